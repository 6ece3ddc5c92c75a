//! The page's script: draws the principals table, a principal's details, the access matrix and
//! a finding's policy text from the page data (`data`), on demand. Vanilla JavaScript, no
//! library; data reaches the page only through `textContent`, attribute setters and class
//! names picked from a fixed table, never as markup.
//!
//! `#p<n>` in the URL opens principal `n`'s details in a side panel (the principal links use
//! it), so the page keeps its place;
//! `#hide-never` starts with Never-only matrix columns hidden. When done, the script records
//! how long the page took (`data-ready-ms` on `<body>`, milliseconds since navigation start),
//! which the load-time measurement in BENCHMARKS.md reads.

/// The script.
pub(super) const SCRIPT: &str = r#"
(function(){
'use strict';
var dataEl=document.getElementById('iamc-data');if(!dataEl)return;
var D=JSON.parse(dataEl.textContent);
var S=D.s,P=D.p,C=D.cols,L=D.levels,F=D.f,SEV=['critical','high','medium','low'];
// Cell sets from their shared parts.
var G=D.g.map(function(x){return {c:D.gc[x[0]]||'',d:(D.gd[x[1]]||[]).map(function(r){return D.gr[r];}),t:D.gt[x[2]]||[],tn:x[3]};});
var ABBR=['W','P','T','R','L'],NL=L.length;
function mk(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=String(text);return e;}
function str(i){return i>=0&&i<S.length?S[i]:'';}
function docUrl(a){var k=a.indexOf(':');if(k<0)return null;var n=a.slice(k+1);
  if(!/^[A-Za-z0-9]+$/.test(n))return null;var p=D.doc[a.slice(0,k).toLowerCase()];return p?p+n:null;}
function actionEl(a){var c=mk('code',null,a),u=docUrl(a);if(!u)return c;
  var x=mk('a','doc');x.href=u;x.title='AWS documentation of '+a;x.appendChild(c);return x;}
function pill(cls,text){return mk('span','pill '+cls,text);}
// Per cell set: actions per level (Always, Conditional) and its members.
var stats=G.map(function(g){var al=new Array(NL).fill(0),co=new Array(NL).fill(0);
  for(var i=0;i<g.c.length&&i<C.length;i++){var ch=g.c[i],l=C[i][1];if(ch==='a')al[l]++;else if(ch==='c')co[l]++;}
  return {al:al,co:co,members:[]};});
P.forEach(function(p,i){p.i=i;p.v=p.v||[0,0,0,0];var st=p.g>=0?stats[p.g]:null;
  p.al=st?st.al:new Array(NL).fill(0);p.co=st?st.co:new Array(NL).fill(0);if(st)st.members.push(i);
  if(!p.r)p.r='arn:aws:iam::'+(D.a[p.a]?D.a[p.a][0]:'')+':'+p.k+(p.h||'/')+p.n;
  p.q0=(p.n+' '+p.r).toLowerCase();});
function riskCmp(a,b){for(var k=0;k<4;k++){if(a.v[k]!==b.v[k])return b.v[k]-a.v[k];}
  if(a.al[0]!==b.al[0])return b.al[0]-a.al[0];return a.n<b.n?-1:a.n>b.n?1:a.i-b.i;}
// ---- principals table ----
var pt=document.getElementById('pt'),pinfo=document.getElementById('pinfo'),pmore=document.getElementById('pmore');
var pfilter=document.getElementById('pfilter'),pdetail=document.getElementById('pdetail');
var sortKey='risk',sortDir=1,limit=200,onlyFinding=-1;
var COLS=[['name','principal'],['kind','type'],['acct','account'],['grp','group'],['risk','findings']];
L.forEach(function(l,k){COLS.push(['l'+k,l]);});
function cmpBy(key){
  if(key==='risk')return riskCmp;
  if(key==='name')return function(a,b){return a.n<b.n?-1:a.n>b.n?1:a.i-b.i;};
  if(key==='kind')return function(a,b){return a.k<b.k?-1:a.k>b.k?1:riskCmp(a,b);};
  if(key==='acct')return function(a,b){return a.a-b.a||riskCmp(a,b);};
  if(key==='grp')return function(a,b){return (a.q==null?-1:a.q)-(b.q==null?-1:b.q)||riskCmp(a,b);};
  var k=+key.slice(1);return function(a,b){return b.al[k]-a.al[k]||b.co[k]-a.co[k]||riskCmp(a,b);};}
function drawHead(){if(!pt)return;var tr=mk('tr');COLS.forEach(function(c){var th=mk('th',null,c[1]);
  th.dataset.k=c[0];th.title='sort by '+c[1];if(c[0]===sortKey)th.className=sortDir>0?'sorted':'sorted up';tr.appendChild(th);});
  pt.tHead.textContent='';pt.tHead.appendChild(tr);}
function levelCell(p,k){var td=mk('td','r lv');if(p.g<0){td.textContent='';return td;}
  if(!p.al[k]&&!p.co[k]){td.appendChild(mk('u',null,'\u00b7'));return td;}
  if(p.al[k])td.appendChild(mk('b',null,p.al[k]));if(p.co[k])td.appendChild(mk('i',null,'+'+p.co[k]));return td;}
function findingsCell(p){var td=mk('td','fc');var any=false;
  p.v.forEach(function(n,k){if(n){td.appendChild(pill('sv'+k,n+' '+SEV[k]));td.appendChild(document.createTextNode(' '));any=true;}});
  if(p.u){td.appendChild(pill('sup',p.u+' suppressed'));any=true;}
  if(p.g<0){td.appendChild(pill('bad','not evaluated'));any=true;}
  if(!any)td.appendChild(mk('span','none','none'));return td;}
function visible(){var q=pfilter?pfilter.value.trim().toLowerCase():'';
  return P.filter(function(p){if(onlyFinding>=0&&!(p.f&&p.f.indexOf(onlyFinding)>=0))return false;return !q||p.q0.indexOf(q)>=0;});}
function drawPrincipals(){if(!pt)return;var rows=visible(),cmp=cmpBy(sortKey);
  rows.sort(sortDir>0?cmp:function(a,b){return -cmp(a,b);});
  var body=pt.tBodies[0],frag=document.createDocumentFragment();
  rows.slice(0,limit).forEach(function(p){var tr=mk('tr');tr.dataset.i=p.i;if(p.g<0)tr.className='e';
    var th=mk('th');var a=mk('a',null,p.n);a.href='#p'+p.i;a.title=p.r;th.appendChild(a);tr.appendChild(th);
    tr.appendChild(mk('td',null,p.k));tr.appendChild(mk('td',null,D.a[p.a]?D.a[p.a][0]:''));
    tr.appendChild(mk('td','r',p.q==null?'':p.q));tr.appendChild(findingsCell(p));
    for(var k=0;k<NL;k++)tr.appendChild(levelCell(p,k));frag.appendChild(tr);});
  body.textContent='';body.appendChild(frag);
  var info=rows.length+' of '+P.length+' principals';if(rows.length>limit)info+=', first '+limit+' shown';
  if(onlyFinding>=0&&F[onlyFinding])info+=' \u2014 affected by '+F[onlyFinding][1]+(F[onlyFinding][3]?' \u2192 '+F[onlyFinding][3]:'');
  pinfo.textContent=info;
  if(onlyFinding>=0){var c=mk('button',null,'show all principals');c.type='button';c.addEventListener('click',function(){onlyFinding=-1;drawPrincipals();});pinfo.appendChild(document.createTextNode(' '));pinfo.appendChild(c);}
  if(pmore)pmore.hidden=rows.length<=limit;}
if(pt){pt.tHead.addEventListener('click',function(e){var k=e.target.dataset&&e.target.dataset.k;if(!k)return;
    if(k===sortKey)sortDir=-sortDir;else{sortKey=k;sortDir=1;}drawHead();drawPrincipals();});
  if(pfilter)pfilter.addEventListener('input',function(){limit=200;drawPrincipals();});
  if(pmore)pmore.addEventListener('click',function(){limit+=1000;drawPrincipals();});
  drawHead();drawPrincipals();}
document.addEventListener('click',function(e){var b=e.target.closest&&e.target.closest('button[data-pf]');if(!b)return;
  onlyFinding=+b.dataset.pf;limit=1000;if(pfilter)pfilter.value='';drawPrincipals();
  document.getElementById('principals').scrollIntoView();});
// ---- a principal's details ----
function dl(parent,k,v){parent.appendChild(mk('dt',null,k));var dd=mk('dd');if(v instanceof Node)dd.appendChild(v);else dd.textContent=v;parent.appendChild(dd);return dd;}
function table(caption,heads){var t=mk('table','grid');if(caption)t.appendChild(mk('caption',null,caption));
  var tr=mk('tr');heads.forEach(function(h){tr.appendChild(mk('th',null,h));});t.appendChild(tr);return t;}
function row(t,cells){var tr=mk('tr');cells.forEach(function(c){var td=mk('td');if(c instanceof Node)td.appendChild(c);else td.textContent=c==null?'':c;tr.appendChild(td);});t.appendChild(tr);return tr;}
function openPrincipal(i){var p=P[i];if(!p||!pdetail)return;pdetail.textContent='';
  var box=mk('div','pd');var head=mk('h3');head.appendChild(mk('span',null,p.n+' '));head.appendChild(mk('small',null,p.k));
  var close=mk('button','close','close');close.type='button';close.addEventListener('click',function(){pdetail.textContent='';pdetail.className='';
    if(/^#p\d+$/.test(location.hash))history.replaceState(null,'',location.pathname+location.search);});head.appendChild(close);box.appendChild(head);
  var d=mk('dl');dl(d,'ARN',p.r);dl(d,'path',p.h||'/');dl(d,'account',D.a[p.a]?D.a[p.a][0]:'');
  if(p.q!=null)dl(d,'evaluation group',String(p.q));
  if(p.g>=0){var m=stats[p.g].members.filter(function(j){return j!==i;});if(m.length){var span=mk('span',null,m.length+' more principals with the same access: ');
    m.slice(0,20).forEach(function(j,k){if(k)span.appendChild(document.createTextNode(', '));var a=mk('a',null,P[j].n);a.href='#p'+j;span.appendChild(a);});
    if(m.length>20)span.appendChild(document.createTextNode(', \u2026'));dl(d,'same access',span);}}
  var ul=mk('ul');(p.po||[]).forEach(function(s){ul.appendChild(mk('li')).appendChild(mk('code',null,str(s)));});
  dl(d,'policies',(p.po||[]).length?ul:'none');box.appendChild(d);
  if(p.e){var eu=mk('ul','errs');p.e.forEach(function(m){eu.appendChild(mk('li',null,m));});box.appendChild(eu);}
  if(p.f&&p.f.length){var ft=table('findings',['severity','rule','target role','title']);
    p.f.slice().sort(function(a,b){return F[a][0]-F[b][0];}).forEach(function(fi){var f=F[fi];var r;
      if(f[4]){r=mk('a');r.href='#f'+fi;r.appendChild(mk('code',null,f[1]));}else r=mk('code',null,f[1]);
      var tr=row(ft,[pill('sv'+f[0],SEV[f[0]]),r,f[3],f[2]]);if(f[5])tr.className='sup';});box.appendChild(ft);}
  else box.appendChild(mk('p','none','No findings.'));
  if(p.g>=0)actions(box,G[p.g]);pdetail.appendChild(box);pdetail.className='open';pdetail.scrollTop=0;}
function actions(box,g){var lv=table('actions by access level (Write first)',['level','Always','Conditional','Never']);
  var never=new Array(NL).fill(0),names=L.map(function(){return [];});
  for(var i=0;i<g.c.length&&i<C.length;i++){var l=C[i][1];if(g.c[i]==='n')never[l]++;else if(g.c[i]==='a')names[l].push(C[i][0]);}
  var st=stats[G.indexOf(g)];L.forEach(function(l,k){row(lv,[l,st.al[k],st.co[k],never[k]]);});box.appendChild(lv);
  var any=false,at=table('Always allowed',['level','actions']);
  L.forEach(function(l,k){if(!names[k].length)return;any=true;var span=mk('span','names');
    names[k].forEach(function(a,j){if(j)span.appendChild(document.createTextNode(' '));span.appendChild(actionEl(a));});row(at,[l+' ('+names[k].length+')',span]);});
  if(any)box.appendChild(at);
  var det=g.d.slice().sort(function(a,b){return C[a[0]][1]-C[b[0]][1]||(C[a[0]][0]<C[b[0]][0]?-1:1);});
  if(det.length){var ct=table('Conditional and approximate cells',['level','action','class','allowed/total','deciding keys','conditions','allowed only if (exact analysis)']);
    det.forEach(function(x){var c=C[x[0]];var cond=mk('span',null,str(x[5]));if(x[6]>=0){cond.appendChild(mk('i',null,' approximate (sampled)'+(str(x[6])?': '+str(x[6]):'')));}
      var cl=g.c[x[0]]==='a'?'Always':g.c[x[0]]==='c'?'Conditional':'Never';
      row(ct,[L[c[1]],actionEl(c[0]),cl,x[1]+'/'+x[2],str(x[3]),mk('pre','cond',str(x[4])),cond]);});box.appendChild(ct);}
  if(!any&&!det.length)box.appendChild(mk('p','none','No SageMaker action is ever allowed.'));
  if(g.tn){var tt=table('iam:PassRole to SageMaker ('+g.tn+' roles'+(g.tn>g.t.length?', first '+g.t.length+' shown; coverage.json lists them all':'')+')',['role','class','trusts SageMaker']);
    g.t.forEach(function(t){row(tt,[mk('code',null,str(t[0])),t[1]==='a'?'Always':t[1]==='c'?'Conditional':'Never',t[2]?'yes':'no']);});box.appendChild(tt);}
  else box.appendChild(mk('p','none','No iam:PassRole target.'));}
// The details open in a side panel (fixed): the page keeps its place.
function openHash(){var m=/^#p(\d+)$/.exec(location.hash);if(m)openPrincipal(+m[1]);}
window.addEventListener('hashchange',openHash);
// ---- access matrix ----
var hm=document.getElementById('hm'),hmore=document.getElementById('hmore'),hn=document.getElementById('hidenever');
var order=[],drawn=0,CLS={a:'a',c:'c',n:'',x:'x'};
function drawMatrixHead(){var live=new Array(C.length).fill(false);
  G.forEach(function(g){for(var i=0;i<g.c.length;i++){if(g.c[i]==='a'||g.c[i]==='c')live[i]=true;}});
  var cg=mk('colgroup');cg.appendChild(mk('col','cn'));var prev=-1;
  C.forEach(function(c,i){cg.appendChild(mk('col',(c[1]!==prev?'f':'')+(live[i]?'':' nv')));prev=c[1];});hm.appendChild(cg);
  var th=mk('thead'),r1=mk('tr','lv'),r2=mk('tr','ah');var n0=mk('th','cn','evaluation group');n0.rowSpan=2;r1.appendChild(n0);
  var spans=[];C.forEach(function(c){if(!spans.length||spans[spans.length-1][0]!==c[1])spans.push([c[1],0]);spans[spans.length-1][1]++;});
  spans.forEach(function(s){var h=mk('th');h.colSpan=s[1];h.title=L[s[0]]+': '+s[1]+' actions';h.appendChild(mk('div',null,L[s[0]]));r1.appendChild(h);});
  C.forEach(function(c){var h=mk('th');h.title=c[0];h.appendChild(mk('span',null,c[0].slice(c[0].indexOf(':')+1)));r2.appendChild(h);});
  th.appendChild(r1);th.appendChild(r2);hm.appendChild(th);hm.appendChild(mk('tbody'));}
function drawMatrixRows(n){var body=hm.tBodies[0],html=[],end=Math.min(order.length,drawn+n);
  for(var k=drawn;k<end;k++){var gi=order[k],g=G[gi],cells=['<tr data-g="'+gi+'"><th><\/th>'];
    for(var i=0;i<C.length;i++){var c=CLS[g.c[i]];cells.push(c?'<td class="'+c+'"><\/td>':'<td><\/td>');}
    cells.push('<\/tr>');html.push(cells.join(''));}
  body.insertAdjacentHTML('beforeend',html.join(''));
  var rows=body.rows;for(var k2=drawn;k2<end;k2++){var gi2=order[k2],m=stats[gi2].members,p=P[m[0]],th=rows[k2].cells[0];
    var a=mk('a',null,p.n);a.href='#p'+p.i;a.title=p.r;th.appendChild(a);if(m.length>1)th.appendChild(mk('small',null,' +'+(m.length-1)));
    var w=p.v;if(w[0]||w[1])th.appendChild(pill(w[0]?'sv0':'sv1',w[0]?w[0]+'C':w[1]+'H'));}
  drawn=end;if(hmore)hmore.hidden=drawn>=order.length;}
if(hm){G.forEach(function(g,i){if(stats[i].members.length)order.push(i);});
  var top=function(i){var best=null;stats[i].members.forEach(function(j){if(!best||riskCmp(P[j],best)<0)best=P[j];});return best;};
  var tops=order.map(top);var idx=order.map(function(_,k){return k;});
  idx.sort(function(a,b){return riskCmp(tops[a],tops[b]);});order=idx.map(function(k){return order[k];});
  drawMatrixHead();drawMatrixRows(60);
  if(hmore)hmore.addEventListener('click',function(){drawMatrixRows(300);});
  var detail={};
  hm.addEventListener('mouseover',function(e){var td=e.target;if(td.tagName!=='TD'||td.title)return;
    var tr=td.parentNode,gi=+tr.dataset.g,i=td.cellIndex-1,c=C[i];if(!c)return;
    if(!detail[gi]){detail[gi]={};G[gi].d.forEach(function(x){detail[gi][x[0]]=x;});}
    var x=detail[gi][i],ch=G[gi].c[i],name={a:'Always',c:'Conditional',n:'Never',x:'not evaluated'}[ch]||'';
    var t=P[stats[gi].members[0]].n+' \u2014 '+c[0]+': '+name;if(x){t+=', '+x[1]+'/'+x[2];if(x[3]>=0)t+='; '+str(x[3]);if(x[5]>=0)t+='\n'+str(x[5]);}
    td.title=t;});
  function never(on){hm.classList.toggle('hn',on);}
  if(hn){hn.addEventListener('change',function(){never(hn.checked);});if(location.hash==='#hide-never'){hn.checked=true;never(true);}}}
// ---- findings: filter, policy text ----
var ff=document.getElementById('ffilter');
if(ff)ff.addEventListener('input',function(){var q=ff.value.trim().toLowerCase();
  document.querySelectorAll('table.fnd tbody tr').forEach(function(r){r.hidden=!!q&&(r.dataset.q||'').indexOf(q)<0;});});
function policyText(det){if(det.dataset.done)return;det.dataset.done='1';var by={};
  (det.dataset.st||'').split(';').forEach(function(t){var x=t.split(',').map(Number);if(x.length!==3||!D.docs[x[0]])return;(by[x[0]]=by[x[0]]||[]).push([x[1],x[2]]);});
  Object.keys(by).forEach(function(k){var doc=D.docs[+k],text=doc[2],r=by[k].sort(function(a,b){return a[0]-b[0];});
    var h=mk('div','polh');h.appendChild(mk('b',null,doc[0].join(', ')));h.appendChild(mk('small',null,' '+doc[1]));det.appendChild(h);
    var pre=mk('pre','pol'),at=0;r.forEach(function(x){if(x[0]<at)return;pre.appendChild(document.createTextNode(text.slice(at,x[0])));
      pre.appendChild(mk('mark',null,text.slice(x[0],x[1])));at=x[1];});pre.appendChild(document.createTextNode(text.slice(at)));det.appendChild(pre);});}
document.addEventListener('toggle',function(e){var t=e.target;if(t.open&&t.classList&&t.classList.contains('pol'))policyText(t);},true);
if(/^#open-policies$/.test(location.hash))document.querySelectorAll('details.pol').forEach(function(d){d.open=true;policyText(d);});
openHash();
document.body.dataset.readyMs=Math.round(performance.now());
})();
"#;
