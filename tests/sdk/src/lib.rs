//! A Stepwise server on an ephemeral loopback port and an official SDK client pointed at it.

use aws_sdk_imagebuilder::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_imagebuilder::types::ComponentConfiguration;
use aws_sdk_imagebuilder::Client;
use std::sync::Arc;
use std::time::Duration;
use stepwise_api::time::SystemClock;
use stepwise_server::{AppState, Options};

pub struct Server {
    pub endpoint: String,
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server at time scale 0 on a fresh store.
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::open(dir.path(), Arc::new(SystemClock), Options::default())
            .await
            .expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let serving = state.clone();
        tokio::spawn(async move {
            let _ = stepwise_server::serve(listener, serving, std::future::pending()).await;
        });
        Server {
            endpoint,
            state,
            _dir: dir,
        }
    }

    pub fn client(&self) -> Client {
        self.client_in("us-east-1")
    }

    pub fn client_in(&self, region: &str) -> Client {
        let config = aws_sdk_imagebuilder::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                "AKIDSTEPWISE",
                "secret",
                None,
                None,
                "tests",
            ))
            .build();
        Client::from_conf(config)
    }
}

/// Waits until the image reaches AVAILABLE, FAILED or CANCELLED and returns that status.
pub async fn wait_for_image(client: &Client, arn: &str) -> String {
    for _ in 0..400 {
        let image = client
            .get_image()
            .image_build_version_arn(arn)
            .send()
            .await
            .expect("get image");
        let status = image
            .image()
            .and_then(|i| i.state())
            .and_then(|s| s.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if matches!(status.as_str(), "AVAILABLE" | "FAILED" | "CANCELLED") {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("image {arn} did not finish");
}

/// An image recipe (one AWS-managed build component) and an infrastructure configuration:
/// their ARNs.
pub async fn prerequisites(client: &Client) -> (String, String) {
    let recipe = client
        .create_image_recipe()
        .name("web server")
        .semantic_version("1.0.0")
        .parent_image("ami-0123456789abcdef0")
        .components(
            ComponentConfiguration::builder()
                .component_arn("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create recipe");
    let infra = client
        .create_infrastructure_configuration()
        .name("builders")
        .instance_profile_name("ImageBuilderRole")
        .send()
        .await
        .expect("create infrastructure");
    (
        recipe.image_recipe_arn().unwrap().to_string(),
        infra
            .infrastructure_configuration_arn()
            .unwrap()
            .to_string(),
    )
}
