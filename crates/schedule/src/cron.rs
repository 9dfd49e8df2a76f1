//! Image Builder's cron expressions: `cron(<minute> <hour> <day> <month> <day-of-week>
//! <year>)`, six required fields (README, "Schedules"). Parsed with messages that name the
//! field and say what is wrong; due times found in an IANA time zone, through daylight-saving
//! changes: a local time that a change skips is not due that day, one it repeats is due once.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// The years a schedule can name.
pub const FIRST_YEAR: i32 = 1970;
pub const LAST_YEAR: i32 = 2199;

/// Why an expression is not a schedule: the message says where and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CronError(pub String);

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// `?`: the day-of-week field decides.
    Unspecified,
    /// Days 1..=31 (bit n = day n).
    Set(u32),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Monday to Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, within the month.
    NearestWeekday(u32),
}

/// The day-of-week field, 1 = Sunday … 7 = Saturday.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Weekdays {
    /// `?`: the day-of-month field decides.
    Unspecified,
    /// Weekdays (bit n = weekday n).
    Set(u32),
    /// `nL` (or `L`, Saturday): the last such weekday of the month.
    Last(u32),
    /// `n#k`: the k-th such weekday of the month.
    Nth(u32, u32),
}

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: Days,
    months: u32,
    weekdays: Weekdays,
    /// Bit n = year FIRST_YEAR + n.
    years: Vec<bool>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's rules.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// Whether `/` steps are allowed.
    steps: bool,
}

const MINUTE: Field = Field {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
    steps: true,
};
const HOUR: Field = Field {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
    steps: true,
};
const DAY: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    steps: true,
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
    steps: true,
};
const WEEKDAY: Field = Field {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &WEEKDAYS,
    steps: false,
};
const YEAR: Field = Field {
    name: "year",
    min: FIRST_YEAR as u32,
    max: LAST_YEAR as u32,
    names: &[],
    steps: true,
};

impl Field {
    fn err(&self, text: &str, problem: impl std::fmt::Display) -> CronError {
        CronError(format!("The {} field '{text}' {problem}.", self.name))
    }

    /// A value: a number or (for months and weekdays) a three-letter name.
    fn value(&self, text: &str, whole: &str) -> Result<u32, CronError> {
        if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(self.min + i as u32);
        }
        let n: u32 = text.parse().map_err(|_| {
            let names = if self.names.is_empty() {
                String::new()
            } else {
                format!(" or a name ({})", self.names.join(", "))
            };
            self.err(
                whole,
                format_args!("has '{text}', which is not a number{names}"),
            )
        })?;
        if !(self.min..=self.max).contains(&n) {
            return Err(self.err(
                whole,
                format_args!("has {n}, outside {}-{}", self.min, self.max),
            ));
        }
        Ok(n)
    }

    /// `*`, values, ranges and steps, comma-separated: the set of values, as bits from `min`.
    fn set(&self, text: &str) -> Result<Vec<bool>, CronError> {
        let mut out = vec![false; (self.max - self.min + 1) as usize];
        for item in text.split(',') {
            if item.is_empty() {
                return Err(self.err(text, "has an empty item in its list"));
            }
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    if !self.steps {
                        return Err(self.err(text, "uses '/', which this field does not allow"));
                    }
                    let step: u32 = s.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                        self.err(
                            text,
                            format_args!("has the step '{s}', which is not a positive number"),
                        )
                    })?;
                    (r, step)
                }
                None => (item, 1),
            };
            let (from, to) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a, text)?, self.value(b, text)?);
                if a > b {
                    return Err(self.err(
                        text,
                        format_args!("has the range {range}, which runs backwards"),
                    ));
                }
                (a, b)
            } else {
                let a = self.value(range, text)?;
                // `a/step` runs from a to the field's end.
                (a, if item.contains('/') { self.max } else { a })
            };
            let mut v = from;
            while v <= to {
                out[(v - self.min) as usize] = true;
                v += step;
            }
        }
        Ok(out)
    }
}

fn bits(set: &[bool], min: u32) -> u64 {
    set.iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .fold(0, |acc, (i, _)| acc | 1 << (i as u32 + min))
}

impl Cron {
    /// Parses `cron(…)`.
    pub fn parse(expression: &str) -> Result<Cron, CronError> {
        let inner = expression
            .strip_prefix("cron(")
            .and_then(|e| e.strip_suffix(')'))
            .ok_or_else(|| {
                CronError(format!(
                    "'{expression}' is not a cron expression: write cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), for example cron(0 0 * * ? *)."
                ))
            })?;
        let fields: Vec<&str> = inner.split(' ').collect();
        if fields.len() != 6 || fields.iter().any(|f| f.is_empty()) {
            return Err(CronError(format!(
                "'{expression}' has {} fields; a cron expression has six, one space apart: <minutes> <hours> <day-of-month> <month> <day-of-week> <year>.",
                inner.split_whitespace().count()
            )));
        }
        let [minute, hour, day, month, weekday, year] = fields[..] else {
            unreachable!("six fields");
        };
        for (field, text) in [
            (&MINUTE, minute),
            (&HOUR, hour),
            (&MONTH, month),
            (&YEAR, year),
        ] {
            if text.contains('?') || text.contains('L') || text.contains('W') || text.contains('#')
            {
                let wildcard = ['?', 'L', 'W', '#']
                    .into_iter()
                    .find(|c| text.contains(*c))
                    .unwrap_or('?');
                // A month name holds no such letter but JUL/APR (L, none of the others).
                if field.name != "month" || wildcard != 'L' || field.set(text).is_err() {
                    return Err(field.err(
                        text,
                        format_args!("uses '{wildcard}', which only the day fields allow"),
                    ));
                }
            }
        }
        let days = parse_days(day)?;
        let weekdays = parse_weekdays(weekday)?;
        match (&days, &weekdays) {
            (Days::Unspecified, Weekdays::Unspecified) => {
                return Err(CronError(
                    "The day-of-month and day-of-week fields are both '?': one of them must say which days."
                        .into(),
                ))
            }
            (Days::Unspecified, _) | (_, Weekdays::Unspecified) => {}
            _ => {
                return Err(CronError(format!(
                    "The day-of-month field '{day}' and the day-of-week field '{weekday}' both name days: one of them must be '?'."
                )))
            }
        }
        Ok(Cron {
            minutes: bits(&MINUTE.set(minute)?, 0),
            hours: bits(&HOUR.set(hour)?, 0) as u32,
            days,
            months: bits(&MONTH.set(month)?, 1) as u32,
            weekdays,
            years: YEAR.set(year)?,
        })
    }

    fn year_allowed(&self, year: i32) -> bool {
        (FIRST_YEAR..=LAST_YEAR).contains(&year) && self.years[(year - FIRST_YEAR) as usize]
    }

    fn day_allowed(&self, date: NaiveDate) -> bool {
        let day = date.day();
        let last = last_day(date.year(), date.month());
        let weekday = date.weekday().num_days_from_sunday() + 1;
        let by_day = match self.days {
            Days::Unspecified => None,
            Days::Set(set) => Some(set & (1 << day) != 0),
            Days::Last => Some(day == last),
            Days::LastWeekday => Some(day == nearest_weekday(date, last)),
            Days::NearestWeekday(n) => Some(n <= last && day == nearest_weekday(date, n)),
        };
        let by_weekday = match self.weekdays {
            Weekdays::Unspecified => None,
            Weekdays::Set(set) => Some(set & (1 << weekday) != 0),
            Weekdays::Last(w) => Some(weekday == w && day + 7 > last),
            Weekdays::Nth(w, k) => Some(weekday == w && (day - 1) / 7 + 1 == k),
        };
        by_day.or(by_weekday).unwrap_or(false)
    }

    /// The first due time strictly after `after`, evaluated in `zone`; `None` if the
    /// expression is never due again (before the end of its last year).
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&zone);
        let mut date = local.date_naive();
        // The first minute to look at on `date`: the one after `after`'s local minute.
        let mut from_minute = local.hour() * 60 + local.minute() + 1;
        while date.year() <= LAST_YEAR {
            if !self.year_allowed(date.year()) {
                date = NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)?;
                from_minute = 0;
                continue;
            }
            if self.months & (1 << date.month()) == 0 {
                date = first_of_next_month(date)?;
                from_minute = 0;
                continue;
            }
            if self.day_allowed(date) {
                for minute_of_day in from_minute..24 * 60 {
                    let (h, m) = (minute_of_day / 60, minute_of_day % 60);
                    if self.hours & (1 << h) == 0 || self.minutes & (1 << m) == 0 {
                        continue;
                    }
                    let naive = date.and_hms_opt(h, m, 0)?;
                    let due = match zone.from_local_datetime(&naive) {
                        LocalResult::Single(t) => t,
                        // A repeated local time is due once, at its first occurrence.
                        LocalResult::Ambiguous(first, _) => first,
                        // A skipped local time is not due.
                        LocalResult::None => continue,
                    };
                    let due = due.with_timezone(&Utc);
                    if due > after {
                        return Some(due);
                    }
                }
            }
            date = date.succ_opt()?;
            from_minute = 0;
        }
        None
    }

    /// The due times in (`after`, `until`], in order, at most `limit` of them.
    pub fn due_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        zone: Tz,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < limit {
            match self.next_after(cursor, zone) {
                Some(t) if t <= until => {
                    out.push(t);
                    cursor = t;
                }
                _ => break,
            }
        }
        out
    }
}

/// The day-of-month field.
fn parse_days(text: &str) -> Result<Days, CronError> {
    match text {
        "?" => return Ok(Days::Unspecified),
        "L" => return Ok(Days::Last),
        "LW" => return Ok(Days::LastWeekday),
        _ => {}
    }
    if let Some(n) = text.strip_suffix('W') {
        let day = DAY.value(n, text)?;
        return Ok(Days::NearestWeekday(day));
    }
    for wildcard in ['?', 'L', 'W', '#'] {
        if text.contains(wildcard) {
            let how = match wildcard {
                '#' => "'#' belongs to the day-of-week field".to_string(),
                '?' => "'?' stands alone".to_string(),
                _ => format!("'{wildcard}' is written L, LW or nW (the weekday nearest day n)"),
            };
            return Err(DAY.err(text, format_args!("uses '{wildcard}' wrongly: {how}")));
        }
    }
    Ok(Days::Set(bits(&DAY.set(text)?, 1) as u32))
}

/// The day-of-week field.
fn parse_weekdays(text: &str) -> Result<Weekdays, CronError> {
    match text {
        "?" => return Ok(Weekdays::Unspecified),
        "L" => return Ok(Weekdays::Last(7)),
        _ => {}
    }
    if let Some(w) = text.strip_suffix('L') {
        return Ok(Weekdays::Last(WEEKDAY.value(w, text)?));
    }
    if let Some((w, k)) = text.split_once('#') {
        let weekday = WEEKDAY.value(w, text)?;
        let k: u32 = k
            .parse()
            .ok()
            .filter(|k| (1..=5).contains(k))
            .ok_or_else(|| {
                WEEKDAY.err(
                    text,
                    format_args!("has '#{k}'; after '#' comes a week of the month, 1 to 5"),
                )
            })?;
        return Ok(Weekdays::Nth(weekday, k));
    }
    // Day names hold letters of the wildcards (WED, SAT): a field that reads as a plain
    // list of names and numbers is one.
    if let Ok(set) = WEEKDAY.set(text) {
        return Ok(Weekdays::Set(bits(&set, 1) as u32));
    }
    for wildcard in ['?', 'L', 'W'] {
        if text.contains(wildcard) {
            let how = match wildcard {
                'W' => "'W' belongs to the day-of-month field",
                '?' => "'?' stands alone",
                _ => "'L' is written L or nL (the last weekday n of the month)",
            };
            return Err(WEEKDAY.err(text, format_args!("uses '{wildcard}' wrongly: {how}")));
        }
    }
    Ok(Weekdays::Set(bits(&WEEKDAY.set(text)?, 1) as u32))
}

fn last_day(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a real month");
    let next = first_of_next_month(first).expect("a next month");
    (next - Duration::days(1)).day()
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
}

/// The weekday (Monday to Friday) nearest day `n` of `date`'s month, within the month.
fn nearest_weekday(date: NaiveDate, n: u32) -> u32 {
    let last = last_day(date.year(), date.month());
    let target = date.with_day(n).expect("n is a day of the month");
    match target.weekday().num_days_from_sunday() {
        6 if n > 1 => n - 1,    // Saturday: the Friday before,
        6 => n + 2,             // or the Monday after, on the 1st.
        0 if n < last => n + 1, // Sunday: the Monday after,
        0 => n - 2,             // or the Friday before, on the last day.
        _ => n,
    }
}
