//! ARN segments: where the six colon-separated parts of an ARN start, shared by request
//! preparation and the compiled ARN matchers.

/// Byte offsets of the six segments of an ARN.
pub(crate) type ArnSegs = [usize; 6];

/// Splits `text` at its first five colons: the start offset of each segment.
pub fn arn_segments(text: &str) -> Option<ArnSegs> {
    let mut segs = [0usize; 6];
    let mut found = 1;
    for (i, b) in text.bytes().enumerate() {
        if b == b':' {
            if let Some(slot) = segs.get_mut(found) {
                *slot = i + 1;
            }
            found += 1;
            if found == 6 {
                return Some(segs);
            }
        }
    }
    None
}

/// An ARN with its six segments, split once: the text and each segment's slice of it (a
/// decision reads segments far more often than anything else of a request).
#[derive(Debug, Clone, Copy)]
pub struct PArn<'x> {
    text: &'x str,
    parts: [&'x str; 6],
}

impl<'x> PArn<'x> {
    /// Pairs text with offsets from [`arn_segments`].
    pub fn new(text: &'x str, segs: ArnSegs) -> PArn<'x> {
        let part = |i: usize| {
            let start = segs.get(i).copied().unwrap_or(text.len());
            let end = match segs.get(i + 1) {
                Some(next) => next.saturating_sub(1),
                None => text.len(),
            };
            text.get(start..end).unwrap_or("")
        };
        PArn {
            text,
            parts: [part(0), part(1), part(2), part(3), part(4), part(5)],
        }
    }

    /// Segment `i` (0..6), without its colons.
    #[inline]
    pub(crate) fn seg(&self, i: usize) -> &'x str {
        self.parts.get(i).copied().unwrap_or("")
    }

    /// The whole ARN.
    #[inline]
    pub(crate) fn text(&self) -> &'x str {
        self.text
    }

    /// The ARN from segment `i` to the end, colons included.
    pub(crate) fn rest_from(&self, i: usize) -> &'x str {
        // Each part is a slice of `text`: its offset is the distance between the two.
        let start = self.parts.get(i).map_or(self.text.len(), |p| {
            (p.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize)
        });
        self.text.get(start..).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_rests_are_those_of_a_plain_split() {
        for text in [
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/x",
            "arn:aws:s3:::bucket/a:b:c",
            "arn:::::",
            "arn:aws:iam::1:role/a",
        ] {
            let arn = PArn::new(text, arn_segments(text).unwrap());
            let parts: Vec<&str> = text.splitn(6, ':').collect();
            for (i, p) in parts.iter().enumerate() {
                assert_eq!(arn.seg(i), *p, "{text} {i}");
                let rest = parts[i..].join(":");
                assert_eq!(arn.rest_from(i), rest, "{text} {i}");
            }
            assert_eq!(arn.seg(6), "");
        }
        assert!(arn_segments("arn:aws:s3:::").is_some());
        assert!(arn_segments("arn:aws:s3::").is_none());
    }
}
