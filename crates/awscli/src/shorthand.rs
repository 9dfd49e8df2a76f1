//! The AWS CLI's shorthand syntax for structured values:
//! `Key=Value,Other=[a,b],Nested={k=v}`, where `Key=a,b` also makes a list, values may be
//! quoted with `'` or `"`, and a backslash makes the next character plain (`a\,b`).
//! Errors are worded as the AWS CLI words them, with a caret under the trouble.

/// A parsed shorthand value, typed later by the shape it is given for.
#[derive(Debug, Clone, PartialEq)]
pub enum Short {
    Str(String),
    List(Vec<Short>),
    Map(Vec<(String, Short)>),
}

/// Parses `text` as `key=value` pairs.
pub fn parse(text: &str) -> Result<Short, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let pairs = p.pairs(None)?;
    Ok(Short::Map(pairs))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// What was expected, what came instead, and a caret under it.
    fn error(&self, expected: &str) -> String {
        let received = self
            .peek()
            .map_or_else(|| "EOF".to_string(), |c| c.to_string());
        format!(
            "Expected: '{expected}', received: '{received}' for input:\n{}\n{}^",
            self.text(),
            " ".repeat(self.pos)
        )
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// `key=value` pairs up to `close` (or the end of the text).
    fn pairs(&mut self, close: Option<char>) -> Result<Vec<(String, Short)>, String> {
        let mut pairs: Vec<(String, Short)> = Vec::new();
        loop {
            self.skip_spaces();
            // `{}` is an empty structure; an empty text is not one.
            if close.is_some() && self.peek() == close && pairs.is_empty() {
                return Ok(pairs);
            }
            let key_at = self.pos;
            let key = self.key()?;
            self.skip_spaces();
            if self.peek() != Some('=') {
                return Err(self.error("="));
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(format!(
                    "Second instance of key \"{key}\" encountered for input:\n{}\n{}^\n\
                     This is often because there is a preceding \",\" instead of a space.",
                    self.text(),
                    " ".repeat(key_at)
                ));
            }
            self.pos += 1;
            let mut value = self.value(close)?;
            // `Key=a,b`: elements without `=` that follow continue the value as a list.
            if self.peek() == Some(',') && !self.next_is_pair() {
                let mut items = vec![value];
                while self.peek() == Some(',') && !self.next_is_pair() {
                    self.pos += 1;
                    items.push(self.value(close)?);
                }
                value = Short::List(items);
            }
            pairs.push((key, value));
            self.skip_spaces();
            match self.peek() {
                Some(',') => self.pos += 1,
                c if c == close => return Ok(pairs),
                _ => return Err(self.error(",")),
            }
        }
    }

    /// Whether the text after the next `,` is a `key=` (not a continuation value).
    fn next_is_pair(&self) -> bool {
        let mut i = self.pos + 1;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '=' => return true,
                ',' | '[' | ']' | '{' | '}' | '\'' | '"' | '\\' => return false,
                _ => i += 1,
            }
        }
        false
    }

    fn key(&mut self) -> Result<String, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '#'))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("="));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn value(&mut self, close: Option<char>) -> Result<Short, String> {
        self.skip_spaces();
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    if self.peek() == Some(']') {
                        self.pos += 1;
                        return Ok(Short::List(items));
                    }
                    items.push(self.value(Some(']'))?);
                    self.skip_spaces();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => {}
                        _ => return Err(self.error("]")),
                    }
                }
            }
            Some('{') => {
                self.pos += 1;
                let pairs = self.pairs(Some('}'))?;
                self.pos += 1;
                Ok(Short::Map(pairs))
            }
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let mut out = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.error(&q.to_string())),
                        Some(c) if c == q => break,
                        // The quote itself, escaped.
                        Some('\\') if self.chars.get(self.pos + 1) == Some(&q) => {
                            out.push(q);
                            self.pos += 2;
                        }
                        Some(c) => {
                            out.push(c);
                            self.pos += 1;
                        }
                    }
                }
                self.pos += 1;
                Ok(Short::Str(out))
            }
            _ => {
                let mut out = String::new();
                while let Some(c) = self.peek() {
                    if c == ',' || Some(c) == close {
                        break;
                    }
                    if c == '\\' {
                        if let Some(&next) = self.chars.get(self.pos + 1) {
                            out.push(next);
                            self.pos += 2;
                            continue;
                        }
                    }
                    out.push(c);
                    self.pos += 1;
                }
                Ok(Short::Str(out.trim_end().to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Short {
        Short::Str(v.into())
    }

    #[test]
    fn pairs_lists_and_nesting() {
        assert_eq!(
            parse("a=1,b=x y").unwrap(),
            Short::Map(vec![("a".into(), s("1")), ("b".into(), s("x y"))])
        );
        assert_eq!(
            parse("name=p,value=[v1,v2]").unwrap(),
            Short::Map(vec![
                ("name".into(), s("p")),
                ("value".into(), Short::List(vec![s("v1"), s("v2")]))
            ])
        );
        assert_eq!(
            parse("value=v1,v2,name=p").unwrap(),
            Short::Map(vec![
                ("value".into(), Short::List(vec![s("v1"), s("v2")])),
                ("name".into(), s("p"))
            ])
        );
        assert_eq!(
            parse("outer={inner=1,other='a,b'},empty={}").unwrap(),
            Short::Map(vec![
                (
                    "outer".into(),
                    Short::Map(vec![("inner".into(), s("1")), ("other".into(), s("a,b"))])
                ),
                ("empty".into(), Short::Map(vec![]))
            ])
        );
        assert_eq!(
            parse("arn=arn:aws:imagebuilder:us-east-1:aws:workflow/build/x/1.0.0").unwrap(),
            Short::Map(vec![(
                "arn".into(),
                s("arn:aws:imagebuilder:us-east-1:aws:workflow/build/x/1.0.0")
            )])
        );
    }

    #[test]
    fn escapes_and_quotes() {
        assert_eq!(
            parse(r"a=x\,y").unwrap(),
            Short::Map(vec![("a".into(), s("x,y"))])
        );
        assert_eq!(
            parse(r"a='it\'s'").unwrap(),
            Short::Map(vec![("a".into(), s("it's"))])
        );
    }

    #[test]
    fn malformed_input_is_reported_as_the_aws_cli_reports_it() {
        assert_eq!(
            parse("").unwrap_err(),
            "Expected: '=', received: 'EOF' for input:\n\n^"
        );
        assert_eq!(
            parse("a=1,a=2").unwrap_err(),
            "Second instance of key \"a\" encountered for input:\na=1,a=2\n    ^\n\
             This is often because there is a preceding \",\" instead of a space."
        );
        assert!(parse("novalue")
            .unwrap_err()
            .starts_with("Expected: '=', received: 'EOF'"));
        assert!(parse("a='open").unwrap_err().starts_with("Expected: '''"));
        assert!(parse("a=[1,2").unwrap_err().starts_with("Expected: ']'"));
    }
}
