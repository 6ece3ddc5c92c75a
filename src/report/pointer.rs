//! JSON pointer → line and column in the original file text, for SARIF regions.
//!
//! [`resolve_many`] walks the text itself (not a parsed value, which has no positions) along the
//! pointers' tokens, once for all of them: it decodes object keys (escapes, `\uXXXX` and
//! surrogate pairs included), unescapes pointer tokens (`~1` → `/`, `~0` → `~`) and skips every
//! value no pointer descends into without building it. [`LineIndex`] turns byte offsets into
//! 1-based lines and columns.
//!
//! INVARIANT (never panics): every byte access is checked; malformed or truncated JSON, a pointer
//! that names nothing and an offset past the end all yield the deepest position reached, never a
//! panic. Nesting no pointer names is skipped with a counter, not recursion; the walk recurses
//! once per pointer token, at most `MAX_DEPTH` deep, so no input can overflow the stack.
//!
//! Duplicate keys: the first occurrence is followed.

/// Where a pointer leads in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// Byte offset of the deepest value reached (the whole document's for `""`).
    pub offset: usize,
    /// Byte offset just past that value, when it could be skipped to its end.
    pub(crate) end: Option<usize>,
    /// Pointer tokens matched.
    pub(crate) matched: usize,
    /// Pointer tokens in total; `matched == tokens` when the pointer resolved exactly.
    pub(crate) tokens: usize,
    /// The deepest value reached is a string (for a percent-encoded policy document, the
    /// statement is inside it).
    pub is_string: bool,
}

impl Resolved {
    /// Every token matched.
    pub fn exact(&self) -> bool {
        self.matched == self.tokens
    }
}

/// A 1-based line and column (columns count Unicode code points, SARIF's
/// `unicodeCodePoints`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// Splits a JSON pointer into unescaped tokens. `None` for a non-empty pointer that does not
/// start with `/`.
pub(crate) fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// Walks `text` along `pointer` as far as it goes. `None` only when the text holds no JSON
/// value at all or the pointer is not a pointer.
pub(crate) fn resolve(text: &str, pointer: &str) -> Option<Resolved> {
    resolve_many(text, &[pointer]).into_iter().next().flatten()
}

/// `resolve` for many pointers in one pass over the text: the pointers form a trie, and the
/// walk descends only into members and elements some pointer names, skipping everything else.
/// Costs one scan of the text however many pointers are asked (a large GAAD file has thousands
/// of statements).
pub fn resolve_many(text: &str, pointers: &[&str]) -> Vec<Option<Resolved>> {
    let mut trie = vec![Node::default()];
    let paths: Vec<Option<Vec<usize>>> = pointers
        .iter()
        .map(|p| {
            let toks = tokens(p)?;
            let mut at = 0usize;
            let mut path = Vec::with_capacity(toks.len());
            for t in toks {
                let next = trie.len();
                let child = match trie.get_mut(at) {
                    Some(node) => *node.children.entry(t).or_insert(next),
                    None => return None,
                };
                if child == next {
                    trie.push(Node::default());
                }
                path.push(child);
                at = child;
            }
            Some(path)
        })
        .collect();
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
    };
    if text.starts_with('\u{feff}') {
        s.i = '\u{feff}'.len_utf8();
    }
    s.ws();
    if s.peek().is_some() {
        let _ = s.walk(&mut trie, 0, 0);
    }
    let Some(root) = trie.first().and_then(|n| n.at) else {
        return vec![None; pointers.len()];
    };
    paths
        .into_iter()
        .map(|path| {
            let path = path?;
            let mut best = (root, 0usize);
            for (depth, &n) in path.iter().enumerate() {
                match trie.get(n).and_then(|n| n.at) {
                    Some(at) => best = (at, depth + 1),
                    None => break,
                }
            }
            let ((offset, end, is_string), matched) = best;
            Some(Resolved {
                offset,
                end,
                matched,
                tokens: path.len(),
                is_string,
            })
        })
        .collect()
}

/// For each element of the array at `list` that is an object with a string member `field`:
/// its index and that string (`/RoleDetailList`, `Arn` → every role's ARN).
pub(crate) fn list_field(text: &str, list: &str, field: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let Some(r) = resolve(text, list).filter(Resolved::exact) else {
        return out;
    };
    let mut s = Scanner {
        b: text.as_bytes(),
        i: r.offset,
    };
    if s.peek() != Some(b'[') {
        return out;
    }
    s.i += 1;
    for k in 0usize.. {
        s.ws();
        match s.peek() {
            Some(b'{') => {
                if let Some(v) = s.object_string(field) {
                    out.push((k, v));
                }
            }
            Some(b']') | None => break,
            Some(_) => {
                if s.skip_value().is_none() {
                    break;
                }
            }
        }
        if !s.eat(b',') {
            break;
        }
    }
    out
}

/// A trie node of [`resolve_many`]: a pointer prefix and where its value is.
#[derive(Debug, Default)]
struct Node {
    /// Next token → node.
    children: std::collections::HashMap<String, usize>,
    /// (start, end, is a string) of the value, once found.
    at: Option<(usize, Option<usize>, bool)>,
}

/// Deeper pointers than this are resolved to this depth (the walk recurses once per token).
pub(crate) const MAX_DEPTH: usize = 128;

/// Line starts of a text, for offset → line/column.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of each line's first byte; `starts[0] == 0`.
    starts: Vec<usize>,
    /// Characters before each [`CHUNK`]-byte boundary, so a column on a long line (compact JSON
    /// is one line) costs at most one chunk of counting, not the whole line.
    chars_before: Vec<usize>,
}

/// Bytes between character-count checkpoints.
const CHUNK: usize = 4096;

/// Characters starting in `b` (bytes that are not UTF-8 continuation bytes).
fn char_starts(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`. Line ends are LF, CRLF and a lone CR (SARIF §3.30.2).
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'\n' => starts.push(i + 1),
                b'\r' if b.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        let mut chars_before = Vec::with_capacity(b.len() / CHUNK + 1);
        let mut n = 0;
        chars_before.push(0);
        for chunk in b.chunks(CHUNK) {
            n += char_starts(chunk);
            chars_before.push(n);
        }
        LineIndex {
            text,
            starts,
            chars_before,
        }
    }

    /// Characters in `text[..offset]`, `offset` a char boundary.
    fn chars_to(&self, offset: usize) -> usize {
        let k = offset / CHUNK;
        let base = self.chars_before.get(k).copied().unwrap_or(0);
        base + self
            .text
            .as_bytes()
            .get(k * CHUNK..offset)
            .map_or(0, char_starts)
    }

    /// The position of byte `offset` (clamped to the text's end).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = if self.text.is_char_boundary(start) && self.text.is_char_boundary(offset) {
            self.chars_to(offset) - self.chars_to(start)
        } else {
            // Not a char boundary (never for a value's first byte): count bytes.
            offset - start
        };
        Position {
            line,
            column: column + 1,
        }
    }
}

/// A cursor over JSON bytes.
struct Scanner<'t> {
    b: &'t [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Consumes `c` (after whitespace) or fails.
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// At a value's first byte: records where trie node `n`'s value is and descends into the
    /// members and elements its children name; moves past the value. `None` when the text
    /// ends first.
    fn walk(&mut self, trie: &mut Vec<Node>, n: usize, depth: usize) -> Option<()> {
        let start = self.i;
        let first = self.peek()?;
        let has_children = trie.get(n).is_some_and(|node| !node.children.is_empty());
        if let Some(node) = trie.get_mut(n) {
            node.at = Some((start, None, first == b'"'));
        }
        let ok = if !has_children || depth >= MAX_DEPTH || !matches!(first, b'{' | b'[') {
            self.skip_value()
        } else {
            self.walk_container(trie, n, depth, first)
        };
        if let (Some(()), Some(node)) = (ok, trie.get_mut(n)) {
            node.at = Some((start, Some(self.i), first == b'"'));
        }
        ok
    }

    /// At `{` or `[` of node `n`: walks the children some pointer names, skips the rest.
    fn walk_container(
        &mut self,
        trie: &mut Vec<Node>,
        n: usize,
        depth: usize,
        open: u8,
    ) -> Option<()> {
        let close = if open == b'{' { b'}' } else { b']' };
        self.i += 1;
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            return Some(());
        }
        for k in 0usize.. {
            self.ws();
            let token = if open == b'{' {
                if self.peek() != Some(b'"') {
                    return None;
                }
                let key = self.string()?;
                if !self.eat(b':') {
                    return None;
                }
                self.ws();
                key
            } else {
                k.to_string()
            };
            // First occurrence of a duplicate key wins: a child found once is not walked again.
            let child = trie
                .get(n)
                .and_then(|node| node.children.get(&token).copied())
                .filter(|&c| trie.get(c).is_some_and(|c| c.at.is_none()));
            match child {
                Some(c) => self.walk(trie, c, depth + 1)?,
                None => self.skip_value()?,
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
        None
    }

    /// At `{`: the string value of member `field`, if any; moves past the object.
    fn object_string(&mut self, field: &str) -> Option<String> {
        self.i += 1;
        let mut found = None;
        loop {
            self.ws();
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return found;
                }
                Some(b'"') => {}
                _ => return found,
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return found;
            }
            self.ws();
            if found.is_none() && key == field && self.peek() == Some(b'"') {
                found = Some(self.string()?);
            } else if self.skip_value().is_none() {
                return found;
            }
            if !self.eat(b',') {
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                }
                return found;
            }
        }
    }

    /// At `"`: decodes the string and moves past its closing quote.
    fn string(&mut self) -> Option<String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0c),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        out.push(s);
                    } else if e == b'u' {
                        let ch = self.unicode_escape()?;
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    } else {
                        return None;
                    }
                }
                c => out.push(c),
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate's `\uXXXX` when the first is a high
    /// surrogate. Lone surrogates become U+FFFD (as lossy decoding would).
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            let save = self.i;
            if self.b.get(self.i..self.i + 2) == Some(&b"\\u"[..]) {
                self.i += 2;
                if let Some(lo) = self.hex4()
                    && (0xDC00..0xE000).contains(&lo)
                {
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Some(char::from_u32(cp).unwrap_or('\u{fffd}'));
                }
            }
            self.i = save;
            return Some('\u{fffd}');
        }
        Some(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        let v = u32::from_str_radix(text, 16).ok()?;
        self.i += 4;
        Some(v)
    }

    /// At `"`: moves past the closing quote without decoding.
    fn skip_string(&mut self) -> Option<()> {
        self.i += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
    }

    /// At a value's first byte: moves past the value. `None` when the text ends first.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str, pointer: &str) -> (usize, usize, bool) {
        let r = resolve(text, pointer).unwrap();
        let p = LineIndex::new(text).position(r.offset);
        (p.line, p.column, r.exact())
    }

    #[test]
    fn walks_objects_and_arrays() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": {\"d\": true}\n}";
        assert_eq!(pos(text, ""), (1, 1, true));
        assert_eq!(pos(text, "/a"), (2, 8, true));
        assert_eq!(pos(text, "/a/0"), (2, 9, true));
        assert_eq!(pos(text, "/a/1/b"), (2, 18, true));
        assert_eq!(pos(text, "/c/d"), (3, 14, true));
        // Missing: the deepest value reached.
        assert_eq!(pos(text, "/c/zz"), (3, 8, false));
        assert_eq!(pos(text, "/a/2"), (2, 8, false));
        assert_eq!(pos(text, "/a/01"), (2, 8, false));
    }

    #[test]
    fn escapes_in_keys_and_tokens() {
        let text = r#"{"a/b": 1, "m~n": 2, "\u00e9\"q": 3, "\ud83d\ude00": 4, "k\/": 5}"#;
        assert!(resolve(text, "/a~1b").unwrap().exact());
        assert!(resolve(text, "/m~0n").unwrap().exact());
        assert!(resolve(text, "/é\"q").unwrap().exact());
        assert!(resolve(text, "/😀").unwrap().exact());
        assert!(resolve(text, "/k~1").unwrap().exact());
        assert!(!resolve(text, "/a/b").unwrap().exact());
    }

    #[test]
    fn columns_count_code_points_and_lines_all_ends() {
        let text = "{\"é\": 1,\r\n\"x\":\r2}";
        assert_eq!(pos(text, "/é"), (1, 7, true));
        assert_eq!(pos(text, "/x"), (3, 1, true));
    }

    #[test]
    fn columns_on_a_long_line_cross_checkpoints() {
        // One compact line longer than several checkpoints, with multibyte characters on both
        // sides of the boundaries: every column equals a plain count of code points.
        let mut text = String::from("{");
        for i in 0..3000 {
            text.push_str(&format!("\"k{i}é😀\": \"v\\u00e9{i}\", "));
        }
        text.push_str("\"last\": 1}");
        let idx = LineIndex::new(&text);
        for (offset, _) in text.char_indices().step_by(97) {
            let want = text.get(..offset).unwrap().chars().count() + 1;
            assert_eq!(idx.position(offset).column, want, "offset {offset}");
        }
        let value = text.rfind("1}").unwrap();
        let want = text.get(..value).unwrap().chars().count() + 1;
        assert_eq!(pos(&text, "/last"), (1, want, true));
    }

    #[test]
    fn string_values_are_reported() {
        let text = r#"{"Doc": "%7B%22Statement%22%7D"}"#;
        let r = resolve(text, "/Doc/Statement/0").unwrap();
        assert_eq!(r.matched, 1);
        assert!(r.is_string);
    }

    #[test]
    fn malformed_text_never_panics() {
        for text in [
            "",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "{\"a\": [1,",
            "\"\\u12",
            "\"\\ud800\\u",
            "{]}",
            "}}}}",
            "[[[[[[",
            "\u{feff}{\"a\":1}",
            "nul",
            "{\"a\" 1}",
        ] {
            for p in ["", "/a", "/0", "/a/0/b", "x", "/"] {
                let _ = resolve(text, p);
            }
            let idx = LineIndex::new(text);
            let _ = idx.position(usize::MAX);
        }
        assert_eq!(pos("\u{feff}{\"a\":1}", "/a"), (1, 7, true));
        assert!(resolve("{}", "no-slash").is_none());
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        let mut text = String::from("{\"deep\": ");
        text.push_str(&"[".repeat(200_000));
        text.push_str(&"]".repeat(200_000));
        text.push_str(", \"after\": 1}");
        assert!(resolve(&text, "/after").unwrap().exact());
    }
}
