//! The AWS CLI's shorthand syntax for structured values:
//! `Key=Value,Other=[a,b],Nested={k=v}`, where `Key=a,b` also makes a list, and values may
//! be quoted with `'` or `"`.

/// A parsed shorthand value, typed later by the shape it is given for.
#[derive(Debug, Clone, PartialEq)]
pub enum Short {
    Str(String),
    List(Vec<Short>),
    Map(Vec<(String, Short)>),
}

impl Short {
    pub fn describe(&self) -> &'static str {
        match self {
            Short::Str(_) => "a string",
            Short::List(_) => "a list",
            Short::Map(_) => "key=value pairs",
        }
    }
}

/// Parses `text` as `key=value` pairs.
pub fn parse(text: &str) -> Result<Short, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let pairs = p.pairs(None)?;
    if p.pos < p.chars.len() {
        return Err(p.error("unexpected character"));
    }
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

    fn error(&self, what: &str) -> String {
        let text: String = self.chars.iter().collect();
        format!(
            "Expected: key=value pairs, received: {text} ({what} at position {})",
            self.pos
        )
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// `key=value` pairs up to `close` (or the end).
    fn pairs(&mut self, close: Option<char>) -> Result<Vec<(String, Short)>, String> {
        let mut pairs: Vec<(String, Short)> = Vec::new();
        loop {
            self.skip_spaces();
            if self.peek() == close {
                return Ok(pairs);
            }
            let key = self.key()?;
            self.skip_spaces();
            if self.peek() != Some('=') {
                return Err(self.error("expected '='"));
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
                _ => return Err(self.error("expected ','")),
            }
        }
    }

    /// Whether the text after the next `,` is a `key=` (not a continuation value).
    fn next_is_pair(&self) -> bool {
        let mut i = self.pos + 1;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '=' => return true,
                ',' | '[' | ']' | '{' | '}' | '\'' | '"' => return false,
                _ => i += 1,
            }
        }
        false
    }

    fn key(&mut self) -> Result<String, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '@'))
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a key"));
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
                        _ => return Err(self.error("expected ',' or ']'")),
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
                let start = self.pos;
                while self.peek().is_some_and(|c| c != q) {
                    self.pos += 1;
                }
                if self.peek() != Some(q) {
                    return Err(self.error("unterminated quote"));
                }
                let s: String = self.chars[start..self.pos].iter().collect();
                self.pos += 1;
                Ok(Short::Str(s))
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c == ',' || Some(c) == close {
                        break;
                    }
                    self.pos += 1;
                }
                Ok(Short::Str(
                    self.chars[start..self.pos]
                        .iter()
                        .collect::<String>()
                        .trim_end()
                        .to_string(),
                ))
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
            parse("outer={inner=1,other='a,b'}").unwrap(),
            Short::Map(vec![(
                "outer".into(),
                Short::Map(vec![("inner".into(), s("1")), ("other".into(), s("a,b"))])
            )])
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
    fn malformed_input_says_where() {
        assert!(parse("novalue").unwrap_err().contains("expected '='"));
        assert!(parse("a='open").unwrap_err().contains("unterminated quote"));
        assert!(parse("a=[1,2").unwrap_err().contains("expected ',' or ']'"));
    }
}
