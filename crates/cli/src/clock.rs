//! `stepwise clock`: shows or moves the service's clock (`/_stepwise/clock`) on the
//! endpoint `stepwise imagebuilder` would call.

use clap::{Args, Subcommand};
use serde_json::json;
use std::process::ExitCode;
use stepwise_awscli::transport::{Connection, ConnectionOptions, DEFAULT_ENDPOINT};

pub const LONG_ABOUT: &str = "\
Shows or moves the clock of a running Stepwise: the time every timestamp, timeout and schedule
reads. It only moves forward; a move wakes every build, so steps whose time has come end.

The endpoint resolves as for `stepwise imagebuilder` (with none configured, the local server).

Examples:
  stepwise clock show
  stepwise clock advance 6h          # also 90s, 30m, 1d, 2w, 1d12h
  stepwise clock set 2027-01-01T00:00:00Z";

#[derive(Args, Debug)]
pub struct ClockArgs {
    #[command(subcommand)]
    pub action: ClockAction,

    /// The endpoint.
    #[arg(long, global = true, value_name = "URL", help = format!("The endpoint [default: as configured, else {DEFAULT_ENDPOINT}]"))]
    pub endpoint_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ClockAction {
    /// Print the service's current time.
    Show,
    /// Move the clock forward by DURATION (90s, 30m, 6h, 1d, 2w, or a sum such as 1d12h).
    Advance {
        #[arg(value_parser = parse_duration)]
        duration: u64,
    },
    /// Move the clock forward to TIMESTAMP (ISO-8601 with its offset).
    Set { timestamp: String },
}

/// Seconds of a duration written as numbers with units: `s`, `m`, `h`, `d`, `w`.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "'{text}' is not a duration: write numbers with units s, m, h, d or w (90s, 6h, 1d12h)"
        )
    };
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok(total)
}

pub fn run(args: ClockArgs) -> ExitCode {
    let options = ConnectionOptions {
        endpoint_url: args.endpoint_url,
        ..ConnectionOptions::default()
    };
    let call = async {
        let connection = Connection::resolve(&options).await?;
        match &args.action {
            ClockAction::Show => {
                connection
                    .stepwise("Clock", "GET", "/_stepwise/clock", None)
                    .await
            }
            ClockAction::Advance { duration } => {
                let body = json!({ "advanceSeconds": duration });
                connection
                    .stepwise("Clock", "POST", "/_stepwise/clock", Some(&body))
                    .await
            }
            ClockAction::Set { timestamp } => {
                let body = json!({ "set": timestamp });
                connection
                    .stepwise("Clock", "POST", "/_stepwise/clock", Some(&body))
                    .await
            }
        }
    };
    let outcome = match crate::offline::block_on("clock", call) {
        Ok(outcome) => outcome,
        Err(code) => return code,
    };
    match outcome {
        Ok(answer) => {
            println!("{}", answer["now"].as_str().unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\n{e}");
            ExitCode::from(255)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("6h"), Ok(21_600));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        for bad in ["", "6", "h", "1y", "-1d", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
