//! `stepwise watch`: the command-line face of `stepwise_awscli::watch`.

use clap::Args;
use std::process::ExitCode;
use stepwise_awscli::transport::{ConnectionOptions, DEFAULT_ENDPOINT};
use stepwise_awscli::watch::{self, WatchOptions};

pub const LONG_ABOUT: &str = "\
Follows one image build through the Image Builder API until the image is AVAILABLE, FAILED or
CANCELLED. Given an image pipeline ARN, it follows the pipeline's image that is building, or
waits for the next one the pipeline starts. On a terminal it draws a progress bar per workflow
execution (steps finished of total) with the running step and its elapsed time, and flags steps
waiting for an action; otherwise it prints one plain line per change. A summary table ends it.

It works against Stepwise and AWS alike: the endpoint, region and credentials resolve as for
`stepwise imagebuilder` (with none configured, the local Stepwise server).

Exit status: 0 AVAILABLE, 1 FAILED, 3 CANCELLED, 255 when the image cannot be read.";

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The image build version ARN (CreateImage's imageBuildVersionArn), or an image
    /// pipeline ARN: its image that is building, else the next one it starts.
    pub image_build_version_arn: String,

    /// The endpoint [default: AWS_ENDPOINT_URL_IMAGEBUILDER, AWS_ENDPOINT_URL, the profile's, else the local server]
    #[arg(long, value_name = "URL", help = format!("The endpoint [default: as configured, else {DEFAULT_ENDPOINT}]"))]
    pub endpoint_url: Option<String>,

    /// The region.
    #[arg(long)]
    pub region: Option<String>,

    /// A profile from your credential and config files.
    #[arg(long)]
    pub profile: Option<String>,

    /// Seconds between polls (0.05 to 3600).
    #[arg(long, default_value_t = 1.0, value_parser = parse_interval)]
    pub interval: f64,

    /// Print plain lines even on a terminal.
    #[arg(long)]
    pub plain: bool,
}

fn parse_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.05..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!("expected seconds between 0.05 and 3600, got '{s}'")),
    }
}

pub fn run(args: WatchArgs) -> ExitCode {
    watch::run(WatchOptions {
        image_arn: args.image_build_version_arn,
        connection: ConnectionOptions {
            endpoint_url: args.endpoint_url,
            region: args.region,
            profile: args.profile,
            debug: false,
        },
        interval: args.interval,
        plain: args.plain,
    })
}
