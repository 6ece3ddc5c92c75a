//! The page's style sheet, inlined so the report is one self-contained file.

/// Page style. Palette (Okabe–Ito, colour-blind safe and distinct in greyscale): Always blue
/// `#0072b2`, Conditional orange `#e69f00`, Never light grey; errors red.
pub(super) const CSS: &str = r#"
:root{--a:#0072b2;--c:#e69f00;--n:#e4e7eb;--bad:#c62828;--ink:#1f2933;--mute:#616e7c;--line:#d3d8de}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f7f8fa}
h1{font-size:22px;margin:0 0 2px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.meta,.hint,small{color:var(--mute)}.hint{font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:110px}
.card span{display:block;font-size:11px;color:var(--mute);text-transform:uppercase;letter-spacing:.03em}
.card b{font-size:17px}
.card.bad{border-color:var(--bad);background:#fdecea}.card.bad b,.bad{color:var(--bad)}
.card.ka{border-left:5px solid var(--a)}.card.kc{border-left:5px solid var(--c)}.card.kn{border-left:5px solid #aab2bb}
.two{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table.grid{border-collapse:collapse;background:#fff;margin:6px 0}
table.grid caption{text-align:left;font-weight:600;padding:2px 0}
table.grid th,table.grid td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
table.grid th{background:#eef1f4;font-weight:600}
td.r{text-align:right;font-variant-numeric:tabular-nums}
.controls{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin-bottom:8px}
#filter{width:300px;padding:5px 8px;border:1px solid #9aa5b1;border-radius:4px;font:inherit}
.legend i{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:-1px;border:1px solid #fff;outline:1px solid var(--line)}
.legend i.a,#hm td.a{background:var(--a)}.legend i.c,#hm td.c{background:var(--c)}
.legend i.n{background:var(--n)}.legend i.x,#hm td.x{background:#fff repeating-linear-gradient(45deg,#fff 0 2px,#c5cbd3 2px 3px)}
.hmwrap{overflow:auto;max-height:78vh;width:fit-content;max-width:100%;border:1px solid var(--line);background:#fff}
#hm{border-collapse:collapse;font-size:12px}
#hm td{width:12px;min-width:12px;height:12px;padding:0;border:1px solid #fff;background:var(--n)}
#hm col.f{border-left:3px solid #52606d}
#hm.hn col.nv{visibility:collapse}
#hm thead th{position:sticky;background:#fff;z-index:2;font-weight:600}
#hm tr.lv th{top:0;height:22px;padding:0}
#hm tr.lv th[colspan]{border-left:3px solid #52606d;border-bottom:1px solid var(--line);background:#eef1f4}
#hm tr.lv th[colspan] div{position:absolute;inset:0 0 0 4px;line-height:22px;font-size:11px;text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#hm tr.ah th{top:22px;height:150px;padding:2px 0;overflow:hidden;vertical-align:bottom;border-bottom:1px solid var(--line);font-weight:400}
#hm tr.ah th span{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-height:146px;font-size:10px;color:#3e4c59;display:inline-block;line-height:11px}
#hm th.cn,#hm td.cn,#hm tbody th{position:sticky;left:0;z-index:1;background:#fff;text-align:left;white-space:nowrap;width:220px;min-width:220px;max-width:220px;overflow:hidden;text-overflow:ellipsis;padding:0 6px;font-weight:500}
#hm .cs{position:sticky;left:220px;z-index:1;background:#fff;width:150px;min-width:150px;padding:0 4px;border-right:2px solid var(--line)}
#hm thead th.cn,#hm thead th.cs{z-index:3;top:0;vertical-align:bottom;padding-bottom:4px}
#hm thead th.cn{padding-left:6px}
.cap{font-size:10px;font-weight:400;color:var(--mute);text-align:left;margin-bottom:6px;line-height:1.3}.cap b{color:var(--a)}.cap i{color:#a05a00;font-style:normal}
#hm tbody th a{color:inherit;text-decoration:none}#hm tbody th a:hover{text-decoration:underline}
#hm tbody th small{margin-left:5px;font-size:10px}
.sum{display:flex;font-variant-numeric:tabular-nums;font-size:11px}
.sum span{width:29px;text-align:center;white-space:nowrap}
.sum b{color:var(--a)}.sum i{color:#a05a00;font-style:normal}.sum u{text-decoration:none;color:#b5bdc6}
#hm tr.g th{background:#eef1f4;font-weight:600;padding:3px 6px;width:auto;max-width:none;overflow:visible}
#hm tr.g td{background:#eef1f4;border-color:#eef1f4}
#hm tr.e th,#hm tr.e td{background:#fdecea;color:var(--bad)}
#hm td.em{padding:1px 6px;height:auto}#hm td.em span{display:block;contain:inline-size;overflow-wrap:anywhere;font-weight:600}
#hm tbody tr:not(.g):not(.e):hover th,#hm tbody tr:not(.g):not(.e):hover .cs{background:#fff6d5}
#hm td.a:hover,#hm td.c:hover,#hm td:hover{outline:2px solid var(--ink);outline-offset:-1px}
details{background:#fff;border:1px solid var(--line);border-radius:6px;margin:5px 0}
details>summary{cursor:pointer;padding:6px 10px}
#stats summary h2{display:inline;border:none}
details[open]>summary{border-bottom:1px solid var(--line)}
.dd{padding:8px 14px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:4px 0}
dt{color:var(--mute)}dd{margin:0;overflow-wrap:anywhere}dd ul{margin:0;padding-left:18px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:#eef1f4}
.pill.ka{background:var(--a);color:#fff}.pill.kc{background:var(--c);color:#1f2933}.pill.kn{background:var(--n);color:var(--ink)}
.pill.bad{background:var(--bad);color:#fff}
table.acts td.names{max-width:760px;font:12px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.errs{color:var(--bad);margin:6px 0}
code.k{background:#eef1f4;border:1px solid var(--line);border-radius:3px;padding:0 4px;white-space:nowrap}
table.errt td{max-width:640px;overflow-wrap:anywhere}
.none{color:var(--mute);font-style:italic}
.pill.sv0{background:#7f1d1d;color:#fff}.pill.sv1{background:#dc2626;color:#fff}.pill.sv2{background:#f59e0b;color:#1f2933}.pill.sv3{background:#64748b;color:#fff}
.pill.sup{background:#d1d5db;color:#4b5563}.pill.zero{background:#eef1f4;color:#9aa5b1}
h2 .counts{font-weight:400;margin-left:8px}h2 .counts .pill{font-size:13px;padding:1px 9px}
a.cardlink{color:inherit;text-decoration:none}
table.fnd{width:100%;table-layout:fixed}table.fnd td{overflow-wrap:anywhere}table.fnd td small{color:var(--mute)}
table.fnd col.w1{width:84px}table.fnd col.w2{width:11%}table.fnd col.w3{width:17%}table.fnd td code{font-size:11px}
tr.sup td{background:#f3f4f6;color:#8a94a0}tr.sup .pill{opacity:.55}
.why{margin-top:3px;font-style:italic;color:#4b5563}
.warns{color:#92400e;background:#fffbeb;border:1px solid #fcd34d;border-radius:6px;padding:6px 10px 6px 28px}
footer{margin-top:30px;color:var(--mute);font-size:12px}
nav{margin:6px 0 0;font-size:13px}nav a{color:#1d4ed8}
a.card{text-decoration:none;color:inherit}.card.sev.sv0{border-left:6px solid #7f1d1d}.card.sev.sv1{border-left:6px solid #dc2626}
.card.sev.sv2{border-left:6px solid #f59e0b}.card.sev.sv3{border-left:6px solid #64748b}.card.sev.zero b{color:#9aa5b1}
ol.fix li{margin:4px 0}ol.fix small code{font-size:11px}
#ffilter,#pfilter{width:320px;padding:5px 8px;border:1px solid #9aa5b1;border-radius:4px;font:inherit;margin:4px 0}
a.doc{text-decoration:none}a.doc code{color:#1d4ed8}a.doc:hover code{text-decoration:underline}
small.ups a{color:#1d4ed8}
button.more{font-size:12px;padding:1px 6px;margin-top:2px;cursor:pointer}
details.pol,details.more{border:none;background:none;margin:2px 0 0;display:inline-block;vertical-align:top;margin-right:12px}details.pol>summary,details.more>summary{padding:0;color:#1d4ed8;font-size:12px}
details.pol[open],details.more[open]{display:block}details.pol[open]>summary,details.more[open]>summary{border:none}
ul.sts{margin:4px 0;padding-left:18px;font-size:12px}td.acts>a.doc,td.acts>code{display:block;overflow-wrap:anywhere}
pre.pol{max-height:28em;overflow:auto;background:#f6f8fa;border:1px solid var(--line);padding:6px;font-size:11px;margin:2px 0 8px;white-space:pre}
pre.pol mark{background:#fde68a;outline:1px solid #d97706}
.polh{font-size:11px;margin-top:4px}.polh b{font-weight:600}
ol.chain{margin:4px 0 0;padding-left:20px}
table.pt th[data-k]{cursor:pointer;white-space:nowrap}table.pt th.sorted::after{content:" \25BE"}table.pt th.sorted.up::after{content:" \25B4"}
table.pt tbody th{text-align:left;font-weight:500;background:#fff;white-space:nowrap}table.pt tbody tr.e th,table.pt tbody tr.e td{background:#fdecea}
table.pt td.lv{font-variant-numeric:tabular-nums;white-space:nowrap}table.pt td.lv b{color:var(--a)}table.pt td.lv i{color:#a05a00;font-style:normal}table.pt td.lv u{text-decoration:none;color:#b5bdc6}
table.pt td.fc{white-space:nowrap}
#pdetail.open{position:fixed;top:0;right:0;bottom:0;width:min(980px,64vw);overflow:auto;z-index:20;background:#fff;box-shadow:-6px 0 24px rgba(0,0,0,.25);border-left:3px solid var(--a)}
.pd{padding:8px 16px}.pd table.grid{max-width:100%}
.pd h3{margin:2px 0 6px}.pd button.close{float:right}
.pd span.names{font:12px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}.pd span.names a.doc{margin-right:2px}
.pd pre.cond{margin:0;font-size:11px;white-space:pre-wrap}
#hm tbody th{position:sticky;left:0;z-index:1;background:#fff;text-align:left;white-space:nowrap;width:240px;min-width:240px;max-width:240px;overflow:hidden;text-overflow:ellipsis;padding:0 6px;font-weight:500;border-right:2px solid var(--line)}
#hm tbody th .pill{font-size:9px;padding:0 4px;margin-left:4px}
.fchunk{content-visibility:auto;contain-intrinsic-size:auto 8000px}.fchunk+.fchunk table.fnd{margin-top:0;border-top:none}
#principals,#matrix,#least-privilege,#policy-warnings,#errors,#stats{content-visibility:auto;contain-intrinsic-size:auto 2000px}
"#;
