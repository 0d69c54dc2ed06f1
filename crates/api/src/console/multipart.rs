//! `multipart/form-data` as a browser sends a form with a file (RFC 7578): text fields and files,
//! each part cut at the boundary the `Content-Type` names. Enough for the console's upload forms;
//! the body's size is already bounded by the payload limit.

/// A file part: its field name, the file name the browser sent, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The parts of a form: text fields in order, and files.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parts {
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

/// Why a body is not a form.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut pieces = content_type.split(';');
    if !pieces
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/form-data")
    {
        return None;
    }
    pieces.find_map(|piece| {
        let (key, value) = piece.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|boundary| !boundary.is_empty())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The value of `key="…"` in a `Content-Disposition` header.
fn parameter(disposition: &str, key: &str) -> Option<String> {
    let at = disposition.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &disposition[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Splits `body` into its parts.
pub fn parse(body: &[u8], boundary: &str) -> Result<Parts, Malformed> {
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or(Malformed("no boundary in the body"))?;
    let mut rest = &body[start + delimiter.len()..];
    let separator = format!("\r\n--{boundary}");
    let mut parts = Parts::default();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(Malformed("a boundary not followed by a line end"))?;
        let head_end = find(rest, b"\r\n\r\n").ok_or(Malformed("a part without headers"))?;
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| Malformed("a part's headers are not UTF-8"))?;
        let content = &rest[head_end + 4..];
        let end = find(content, separator.as_bytes()).ok_or(Malformed("an unterminated part"))?;
        let disposition = head
            .split("\r\n")
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then_some(value.trim())
            })
            .ok_or(Malformed("a part without Content-Disposition"))?;
        let field = parameter(disposition, "name").ok_or(Malformed("a part without a name"))?;
        let bytes = &content[..end];
        match parameter(disposition, "filename") {
            Some(file_name) => parts.files.push(FilePart {
                field,
                file_name,
                bytes: bytes.to_vec(),
            }),
            None => parts.fields.push((
                field,
                String::from_utf8(bytes.to_vec())
                    .map_err(|_| Malformed("a text field is not UTF-8"))?,
            )),
        }
        rest = &content[end + separator.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----abc").as_deref(),
            Some("----abc")
        );
        assert_eq!(
            boundary(r#"Multipart/Form-Data; charset=utf-8; boundary="x y""#).as_deref(),
            Some("x y")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn fields_and_a_file_with_line_ends_inside_are_split_at_the_boundary() {
        let body = b"--XyZ\r\n\
            Content-Disposition: form-data; name=\"csrf\"\r\n\r\n\
            token\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"bom.csv\"\r\n\
            Content-Type: text/csv\r\n\r\n\
            a,b\r\n1,2\r\n\r\n\
            --XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.fields, vec![("csrf".into(), "token".into())]);
        assert_eq!(
            parts.files,
            vec![FilePart {
                field: "file".into(),
                file_name: "bom.csv".into(),
                bytes: b"a,b\r\n1,2\r\n".to_vec(),
            }]
        );
    }

    #[test]
    fn a_truncated_body_is_malformed() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken";
        assert!(parse(body, "XyZ").is_err());
        assert!(parse(b"nothing", "XyZ").is_err());
    }
}
