//! The Amazon-managed components Stepwise ships: the ones image recipes commonly name, with
//! realistic versions and AWSTOE documents (owner `aws` in ARNs, `Amazon` in `owner` fields).

/// An Amazon-managed component build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedComponent {
    pub name: &'static str,
    /// `x.y.z`
    pub version: &'static str,
    pub build: u32,
    /// `Linux` or `Windows`
    pub platform: &'static str,
    pub description: &'static str,
    pub supported_os_versions: &'static [&'static str],
    /// ISO 8601 with milliseconds and `Z`, e.g. "2023-02-16T21:48:05.162Z".
    pub date_created: &'static str,
    /// The AWSTOE document (YAML), as GetComponent returns it.
    pub data: &'static str,
}

/// Every managed component build, ordered by name, then version ascending, then build.
pub fn managed_components() -> &'static [ManagedComponent] {
    &MANAGED
}

// ---------------------------------------------------------------------------------------------
// Supported OS lists
// ---------------------------------------------------------------------------------------------

const LINUX_COMMON: &[&str] = &[
    "Amazon Linux 2",
    "Amazon Linux 2023",
    "Ubuntu 22",
    "Red Hat Enterprise Linux 9",
];

const AMAZON_LINUX: &[&str] = &["Amazon Linux 2", "Amazon Linux 2023"];

const WINDOWS_COMMON: &[&str] = &[
    "Microsoft Windows Server 2019",
    "Microsoft Windows Server 2022",
];

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

const AMAZON_CLOUDWATCH_AGENT_LINUX_1_0_1: &str = r#"name: amazon-cloudwatch-agent-linux
description: Installs the Amazon CloudWatch agent and, when a configuration file is given, applies it.
schemaVersion: 1.0

parameters:
  - ConfigFilePath:
      type: string
      default: ''
      description: Local path of an agent configuration file to apply. Leave empty to install the agent without starting it.

phases:
  - name: build
    steps:
      - name: InstallAgent
        action: ExecuteBash
        timeoutSeconds: 900
        maxAttempts: 3
        inputs:
          commands:
            - |
              set -euo pipefail
              if [ -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl ]; then
                echo "The CloudWatch agent is already installed."
                exit 0
              fi
              case "$(uname -m)" in
                x86_64) PKG_ARCH=amd64 ;;
                aarch64) PKG_ARCH=arm64 ;;
                *) echo "Unsupported architecture $(uname -m)" >&2; exit 1 ;;
              esac
              . /etc/os-release
              WORKDIR="$(mktemp -d)"
              case "$ID" in
                amzn)
                  yum install -y amazon-cloudwatch-agent
                  ;;
                ubuntu)
                  curl --silent --show-error --fail --location \
                    --output "$WORKDIR/amazon-cloudwatch-agent.deb" \
                    "https://amazoncloudwatch-agent.s3.amazonaws.com/ubuntu/$PKG_ARCH/latest/amazon-cloudwatch-agent.deb"
                  dpkg -i -E "$WORKDIR/amazon-cloudwatch-agent.deb"
                  ;;
                rhel)
                  curl --silent --show-error --fail --location \
                    --output "$WORKDIR/amazon-cloudwatch-agent.rpm" \
                    "https://amazoncloudwatch-agent.s3.amazonaws.com/redhat/$PKG_ARCH/latest/amazon-cloudwatch-agent.rpm"
                  rpm -U "$WORKDIR/amazon-cloudwatch-agent.rpm"
                  ;;
                *)
                  echo "Unsupported distribution $ID" >&2
                  exit 1
                  ;;
              esac
              rm -rf "$WORKDIR"

      - name: ApplyConfiguration
        action: ExecuteBash
        inputs:
          commands:
            - 'CONFIG_PATH="{{ ConfigFilePath }}"'
            - |
              set -euo pipefail
              if [ -z "$CONFIG_PATH" ]; then
                echo "No configuration file given; the agent stays stopped."
                exit 0
              fi
              if [ ! -f "$CONFIG_PATH" ]; then
                echo "Configuration file $CONFIG_PATH does not exist." >&2
                exit 1
              fi
              /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl \
                -a fetch-config -m ec2 -c "file:$CONFIG_PATH" -s

  - name: validate
    steps:
      - name: CheckAgentInstalled
        action: ExecuteBash
        inputs:
          commands:
            - test -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
            - /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a status
"#;

const AWS_CLI_VERSION_2_LINUX_1_0_3: &str = r#"name: aws-cli-version-2-linux
description: Installs version 2 of the AWS Command Line Interface from the official bundle.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: InstallAwsCli
        action: ExecuteBash
        timeoutSeconds: 900
        maxAttempts: 3
        inputs:
          commands:
            - |
              set -euo pipefail
              if ! command -v unzip >/dev/null 2>&1; then
                if command -v apt-get >/dev/null 2>&1; then
                  apt-get update -y && apt-get install -y unzip
                elif command -v dnf >/dev/null 2>&1; then
                  dnf install -y unzip
                else
                  yum install -y unzip
                fi
              fi
              WORKDIR="$(mktemp -d)"
              curl --silent --show-error --fail --location \
                --output "$WORKDIR/awscliv2.zip" \
                https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip
              unzip -q "$WORKDIR/awscliv2.zip" -d "$WORKDIR"
              "$WORKDIR/aws/install" --update
              rm -rf "$WORKDIR"

  - name: validate
    steps:
      - name: CheckAwsCliVersion
        action: ExecuteBash
        inputs:
          commands:
            - |
              set -euo pipefail
              VERSION="$(aws --version 2>&1)"
              echo "$VERSION"
              echo "$VERSION" | grep -q '^aws-cli/2\.'
"#;

const AWS_CLI_VERSION_2_LINUX_1_0_4: &str = r#"name: aws-cli-version-2-linux
description: Installs version 2 of the AWS Command Line Interface from the official bundle.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: DetectArchitecture
        action: ExecuteBash
        inputs:
          commands:
            - |
              case "$(uname -m)" in
                x86_64) echo -n x86_64 ;;
                aarch64) echo -n aarch64 ;;
                *) echo "Unsupported architecture $(uname -m)" >&2; exit 1 ;;
              esac

      - name: EnsureUnzip
        action: ExecuteBash
        inputs:
          commands:
            - |
              if command -v unzip >/dev/null 2>&1; then
                exit 0
              fi
              if command -v apt-get >/dev/null 2>&1; then
                apt-get update -y && apt-get install -y unzip
              elif command -v dnf >/dev/null 2>&1; then
                dnf install -y unzip
              else
                yum install -y unzip
              fi

      - name: InstallAwsCli
        action: ExecuteBash
        timeoutSeconds: 900
        maxAttempts: 3
        inputs:
          commands:
            - 'ARCH="{{ build.DetectArchitecture.outputs.stdout }}"'
            - |
              set -euo pipefail
              WORKDIR="$(mktemp -d)"
              curl --silent --show-error --fail --location \
                --output "$WORKDIR/awscliv2.zip" \
                "https://awscli.amazonaws.com/awscli-exe-linux-$ARCH.zip"
              unzip -q "$WORKDIR/awscliv2.zip" -d "$WORKDIR"
              "$WORKDIR/aws/install" --bin-dir /usr/local/bin --install-dir /usr/local/aws-cli --update
              rm -rf "$WORKDIR"

  - name: validate
    steps:
      - name: GetAwsCliVersion
        action: ExecuteBash
        inputs:
          commands:
            - aws --version 2>&1

      - name: AssertMajorVersion
        action: Assert
        inputs:
          patternMatches: '^aws-cli/2\.'
          value: '{{ validate.GetAwsCliVersion.outputs.stdout }}'
"#;

const CHRONY_TIME_CONFIGURATION_TEST_1_0_0: &str = r#"name: chrony-time-configuration-test
description: Checks that chrony is running and synchronises with the Amazon Time Sync Service.
schemaVersion: 1.0

phases:
  - name: test
    steps:
      - name: CheckChronyService
        action: ExecuteBash
        inputs:
          commands:
            - |
              if systemctl is-active --quiet chronyd || systemctl is-active --quiet chrony; then
                echo "The chrony service is active."
              else
                echo "The chrony service is not active." >&2
                exit 1
              fi

      - name: CheckTracking
        action: ExecuteBash
        maxAttempts: 3
        inputs:
          commands:
            - |
              set -euo pipefail
              chronyc tracking
              chronyc tracking | grep -Eq '^Leap status +: Normal'

      - name: CheckTimeSource
        action: ExecuteBash
        inputs:
          commands:
            - |
              set -euo pipefail
              chronyc sources -v
              chronyc sources | grep -Eq '169\.254\.169\.123|fd00:ec2::123'
"#;

const DOCKER_CE_LINUX_1_0_0: &str = r#"name: docker-ce-linux
description: Installs the Docker engine, enables its service and lets the default user run containers.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: InstallDocker
        action: ExecuteBash
        timeoutSeconds: 1200
        maxAttempts: 3
        inputs:
          commands:
            - |
              set -euo pipefail
              . /etc/os-release
              case "$ID" in
                amzn)
                  if [ "$VERSION_ID" = "2" ]; then
                    amazon-linux-extras install -y docker
                  else
                    dnf install -y docker
                  fi
                  ;;
                ubuntu)
                  apt-get update -y
                  apt-get install -y ca-certificates curl gnupg
                  install -m 0755 -d /etc/apt/keyrings
                  curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --dearmor --yes -o /etc/apt/keyrings/docker.gpg
                  echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu $VERSION_CODENAME stable" > /etc/apt/sources.list.d/docker.list
                  apt-get update -y
                  apt-get install -y docker-ce docker-ce-cli containerd.io
                  ;;
                rhel)
                  dnf install -y dnf-plugins-core
                  dnf config-manager --add-repo https://download.docker.com/linux/rhel/docker-ce.repo
                  dnf install -y docker-ce docker-ce-cli containerd.io
                  ;;
                *)
                  echo "Unsupported distribution $ID" >&2
                  exit 1
                  ;;
              esac

      - name: EnableDockerService
        action: ExecuteBash
        inputs:
          commands:
            - systemctl enable docker
            - systemctl start docker

      - name: AddDefaultUserToDockerGroup
        action: ExecuteBash
        onFailure: Continue
        inputs:
          commands:
            - |
              for USER_NAME in ec2-user ubuntu; do
                if id "$USER_NAME" >/dev/null 2>&1; then
                  usermod -aG docker "$USER_NAME"
                  echo "Added $USER_NAME to the docker group."
                fi
              done

  - name: validate
    steps:
      - name: CheckDockerVersion
        action: ExecuteBash
        inputs:
          commands:
            - docker --version
            - docker info >/dev/null

      - name: CheckDockerService
        action: ExecuteBash
        inputs:
          commands:
            - systemctl is-active docker
            - systemctl is-enabled docker
"#;

const INSPECTOR_TEST_LINUX_1_0_0: &str = r#"name: inspector-test-linux
description: Runs a vulnerability assessment of the test instance and records the result.
schemaVersion: 1.0

phases:
  - name: test
    steps:
      - name: CheckSsmAgent
        action: ExecuteBash
        inputs:
          commands:
            - |
              if systemctl is-active --quiet amazon-ssm-agent; then
                echo "The SSM agent is running."
              elif command -v snap >/dev/null 2>&1 && snap services amazon-ssm-agent | grep -q active; then
                echo "The SSM agent (snap) is running."
              else
                echo "The SSM agent is not running; the scan cannot report findings." >&2
                exit 1
              fi

      - name: WriteScanSettings
        action: CreateFile
        inputs:
          - path: /tmp/imagebuilder-inspector/settings.json
            content: |
              {"scanType": "PACKAGE_VULNERABILITY", "failOn": "CRITICAL"}
            overwrite: true

      - name: RunAssessment
        action: ExecuteBash
        timeoutSeconds: 3600
        inputs:
          commands:
            - |
              set -euo pipefail
              RESULT=/tmp/imagebuilder-inspector/result.json
              echo "Starting the vulnerability assessment with /tmp/imagebuilder-inspector/settings.json"
              INSTALLED="$( (rpm -qa 2>/dev/null || dpkg-query -W 2>/dev/null) | wc -l)"
              echo "{\"status\": \"COMPLETED\", \"packagesScanned\": $INSTALLED, \"criticalFindings\": 0}" > "$RESULT"
              echo "Assessment complete; $INSTALLED packages scanned."

      - name: ReadAssessmentResult
        action: ReadFile
        inputs:
          - path: /tmp/imagebuilder-inspector/result.json
"#;

const PYTHON_3_LINUX_1_0_2: &str = r#"name: python-3-linux
description: Installs Python 3 and pip from the distribution's package repositories.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: InstallPython3
        action: ExecuteBash
        timeoutSeconds: 900
        maxAttempts: 3
        inputs:
          commands:
            - |
              set -euo pipefail
              if command -v apt-get >/dev/null 2>&1; then
                apt-get update -y
                DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip
              elif command -v dnf >/dev/null 2>&1; then
                dnf install -y python3 python3-pip
              elif command -v yum >/dev/null 2>&1; then
                yum install -y python3 python3-pip
              else
                echo "No supported package manager found." >&2
                exit 1
              fi

  - name: validate
    steps:
      - name: CheckPython3
        action: ExecuteBash
        inputs:
          commands:
            - python3 --version
            - python3 -c 'import sys; sys.exit(0 if sys.version_info.major == 3 else 1)'

      - name: CheckPip
        action: ExecuteBash
        inputs:
          commands:
            - python3 -m pip --version
"#;

const REBOOT_LINUX_1_0_1: &str = r#"name: reboot-linux
description: Restarts the build instance.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: RebootInstance
        action: Reboot
        onFailure: Abort
        inputs:
          delaySeconds: 60
"#;

const REBOOT_TEST_LINUX_1_0_0: &str = r#"name: reboot-test-linux
description: Restarts the test instance and checks that it comes back up.
schemaVersion: 1.0

phases:
  - name: test
    steps:
      - name: RecordBootId
        action: ExecuteBash
        inputs:
          commands:
            - cat /proc/sys/kernel/random/boot_id

      - name: RebootInstance
        action: Reboot
        onFailure: Abort

      - name: CompareBootId
        action: ExecuteBash
        inputs:
          commands:
            - 'BEFORE="{{ test.RecordBootId.outputs.stdout }}"'
            - |
              AFTER="$(cat /proc/sys/kernel/random/boot_id)"
              if [ "$BEFORE" = "$AFTER" ]; then
                echo "The boot id did not change; the instance did not restart." >&2
                exit 1
              fi
              echo "The instance restarted (boot id $AFTER)."
              uptime
"#;

const REBOOT_WINDOWS_1_0_1: &str = r#"name: reboot-windows
description: Restarts the build instance.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: RebootInstance
        action: Reboot
        onFailure: Abort
        inputs:
          delaySeconds: 60
"#;

const SIMPLE_BOOT_TEST_LINUX_1_0_0: &str = r#"name: simple-boot-test-linux
description: Checks that the test instance booted and that its core services are running.
schemaVersion: 1.0

phases:
  - name: test
    steps:
      - name: CheckUptime
        action: ExecuteBash
        inputs:
          commands:
            - uptime
            - cut -d ' ' -f 1 /proc/uptime

      - name: CheckSystemState
        action: ExecuteBash
        maxAttempts: 3
        inputs:
          commands:
            - |
              STATE="$(systemctl is-system-running || true)"
              echo "System state is $STATE"
              case "$STATE" in
                running|degraded)
                  systemctl list-units --state=failed --no-pager
                  ;;
                *)
                  echo "The system did not finish booting." >&2
                  exit 1
                  ;;
              esac

      - name: CheckSshService
        action: ExecuteBash
        inputs:
          commands:
            - systemctl is-active sshd || systemctl is-active ssh
"#;

const UPDATE_LINUX_1_0_0: &str = r#"name: update-linux
description: Updates the installed packages of a Linux instance to their latest versions.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: UpdateOS
        action: UpdateOS
        onFailure: Abort
        maxAttempts: 3

  - name: validate
    steps:
      - name: CheckPackageManager
        action: ExecuteBash
        inputs:
          commands:
            - |
              if command -v dnf >/dev/null 2>&1; then
                dnf check
              elif command -v yum >/dev/null 2>&1; then
                yum check
              elif command -v apt-get >/dev/null 2>&1; then
                apt-get check
              else
                echo "No supported package manager found." >&2
                exit 1
              fi
"#;

const UPDATE_LINUX_1_0_2: &str = r#"name: update-linux
description: Updates the installed packages of a Linux instance to their latest versions.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: UpdateOS
        action: UpdateOS
        onFailure: Abort
        timeoutSeconds: 3600
        maxAttempts: 3

      - name: CleanPackageCache
        action: ExecuteBash
        onFailure: Continue
        inputs:
          commands:
            - |
              if command -v dnf >/dev/null 2>&1; then
                dnf clean all
              elif command -v yum >/dev/null 2>&1; then
                yum clean all
              elif command -v apt-get >/dev/null 2>&1; then
                apt-get clean
              fi

  - name: validate
    steps:
      - name: CheckPackageManager
        action: ExecuteBash
        inputs:
          commands:
            - |
              if command -v dnf >/dev/null 2>&1; then
                dnf check
              elif command -v yum >/dev/null 2>&1; then
                yum check
              elif command -v apt-get >/dev/null 2>&1; then
                apt-get check
              else
                echo "No supported package manager found." >&2
                exit 1
              fi

      - name: ReportKernel
        action: ExecuteBash
        onFailure: Ignore
        inputs:
          commands:
            - echo "Running kernel $(uname -r)"
            - ls /boot | grep -E '^vmlinuz' || true
"#;

const UPDATE_WINDOWS_1_0_1: &str = r#"name: update-windows
description: Installs the available Windows updates and checks that none remain pending.
schemaVersion: 1.0

phases:
  - name: build
    steps:
      - name: UpdateWindows
        action: UpdateOS
        onFailure: Abort
        timeoutSeconds: 7200
        maxAttempts: 3

  - name: validate
    steps:
      - name: CheckPendingUpdates
        action: ExecutePowerShell
        inputs:
          commands:
            - |
              $ErrorActionPreference = 'Stop'
              $session = New-Object -ComObject 'Microsoft.Update.Session'
              $searcher = $session.CreateUpdateSearcher()
              $result = $searcher.Search("IsInstalled=0 and Type='Software' and IsHidden=0")
              $pending = @($result.Updates)
              if ($pending.Count -gt 0) {
                  $pending | ForEach-Object { Write-Output "Pending update: $($_.Title)" }
                  throw "$($pending.Count) update(s) are still pending."
              }
              Write-Output 'No updates are pending.'

      - name: ReportOSVersion
        action: ExecutePowerShell
        onFailure: Ignore
        inputs:
          commands:
            - Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption, Version, BuildNumber
"#;

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

static MANAGED: [ManagedComponent; 14] = [
    ManagedComponent {
        name: "amazon-cloudwatch-agent-linux",
        version: "1.0.1",
        build: 1,
        platform: "Linux",
        description:
            "Installs the Amazon CloudWatch agent, optionally applying a configuration file.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2021-03-18T17:42:09.517Z",
        data: AMAZON_CLOUDWATCH_AGENT_LINUX_1_0_1,
    },
    ManagedComponent {
        name: "aws-cli-version-2-linux",
        version: "1.0.3",
        build: 1,
        platform: "Linux",
        description: "Installs version 2 of the AWS CLI.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2021-09-07T20:15:33.804Z",
        data: AWS_CLI_VERSION_2_LINUX_1_0_3,
    },
    ManagedComponent {
        name: "aws-cli-version-2-linux",
        version: "1.0.4",
        build: 1,
        platform: "Linux",
        description: "Installs version 2 of the AWS CLI for x86_64 or Arm instances.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2022-06-14T18:03:51.226Z",
        data: AWS_CLI_VERSION_2_LINUX_1_0_4,
    },
    ManagedComponent {
        name: "chrony-time-configuration-test",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Tests that chrony keeps time using the Amazon Time Sync Service.",
        supported_os_versions: AMAZON_LINUX,
        date_created: "2022-11-30T22:27:40.093Z",
        data: CHRONY_TIME_CONFIGURATION_TEST_1_0_0,
    },
    ManagedComponent {
        name: "docker-ce-linux",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Installs and enables the Docker engine.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-12-08T19:36:12.671Z",
        data: DOCKER_CE_LINUX_1_0_0,
    },
    ManagedComponent {
        name: "inspector-test-linux",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Tests the instance with a vulnerability assessment.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-12-01T23:11:57.349Z",
        data: INSPECTOR_TEST_LINUX_1_0_0,
    },
    ManagedComponent {
        name: "python-3-linux",
        version: "1.0.2",
        build: 1,
        platform: "Linux",
        description: "Installs Python 3 and pip.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2021-11-22T16:54:38.115Z",
        data: PYTHON_3_LINUX_1_0_2,
    },
    ManagedComponent {
        name: "reboot-linux",
        version: "1.0.1",
        build: 1,
        platform: "Linux",
        description: "Restarts a Linux build instance.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-08-26T21:09:44.682Z",
        data: REBOOT_LINUX_1_0_1,
    },
    ManagedComponent {
        name: "reboot-test-linux",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Tests that a Linux instance restarts cleanly.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-10-02T15:20:36.958Z",
        data: REBOOT_TEST_LINUX_1_0_0,
    },
    ManagedComponent {
        name: "reboot-windows",
        version: "1.0.1",
        build: 1,
        platform: "Windows",
        description: "Restarts a Windows build instance.",
        supported_os_versions: WINDOWS_COMMON,
        date_created: "2020-08-26T21:10:02.307Z",
        data: REBOOT_WINDOWS_1_0_1,
    },
    ManagedComponent {
        name: "simple-boot-test-linux",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Tests that a Linux instance boots and its core services run.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-04-09T18:31:27.760Z",
        data: SIMPLE_BOOT_TEST_LINUX_1_0_0,
    },
    ManagedComponent {
        name: "update-linux",
        version: "1.0.0",
        build: 1,
        platform: "Linux",
        description: "Applies the latest package updates to a Linux instance.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2020-03-31T22:05:14.236Z",
        data: UPDATE_LINUX_1_0_0,
    },
    ManagedComponent {
        name: "update-linux",
        version: "1.0.2",
        build: 1,
        platform: "Linux",
        description:
            "Applies the latest package updates to a Linux instance and cleans the package cache.",
        supported_os_versions: LINUX_COMMON,
        date_created: "2023-04-20T19:27:48.591Z",
        data: UPDATE_LINUX_1_0_2,
    },
    ManagedComponent {
        name: "update-windows",
        version: "1.0.1",
        build: 1,
        platform: "Windows",
        description: "Installs the available Windows updates.",
        supported_os_versions: WINDOWS_COMMON,
        date_created: "2022-03-09T23:44:16.028Z",
        data: UPDATE_WINDOWS_1_0_1,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const TEST_COMPONENTS: [&str; 4] = [
        "simple-boot-test-linux",
        "reboot-test-linux",
        "chrony-time-configuration-test",
        "inspector-test-linux",
    ];

    fn version_key(version: &str) -> [u32; 3] {
        let parts: Vec<u32> = version
            .split('.')
            .map(|p| p.parse().expect("numeric version part"))
            .collect();
        assert_eq!(parts.len(), 3, "version {version} is not x.y.z");
        [parts[0], parts[1], parts[2]]
    }

    #[test]
    fn ordered_by_name_then_version_then_build() {
        for pair in managed_components().windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let ka = (a.name, version_key(a.version), a.build);
            let kb = (b.name, version_key(b.version), b.build);
            assert!(ka < kb, "{ka:?} should sort strictly before {kb:?}");
        }
    }

    #[test]
    fn documents_name_their_component() {
        for c in managed_components() {
            let line = format!("name: {}", c.name);
            assert!(
                c.data.lines().any(|l| l == line),
                "{} {}: no `{line}` line",
                c.name,
                c.version
            );
            assert!(c.data.lines().any(|l| l == "schemaVersion: 1.0"));
            assert!(c.data.lines().any(|l| l.starts_with("description: ")));
            assert!(
                !c.data.contains('\t'),
                "{} {} contains a tab",
                c.name,
                c.version
            );
        }
    }

    #[test]
    fn at_least_ten_distinct_names() {
        let names: BTreeSet<&str> = managed_components().iter().map(|c| c.name).collect();
        assert!(names.len() >= 10, "only {} names", names.len());
        for t in TEST_COMPONENTS {
            assert!(names.contains(t), "{t} missing");
        }
    }

    #[test]
    fn test_components_have_only_a_test_phase() {
        for c in managed_components() {
            let is_test = TEST_COMPONENTS.contains(&c.name);
            let phase_lines: Vec<&str> = c
                .data
                .lines()
                .filter(|l| l.starts_with("  - name: "))
                .map(|l| &l["  - name: ".len()..])
                .collect();
            if is_test {
                assert!(c.data.contains("- name: test"), "{}", c.name);
                assert!(!c.data.contains("- name: build"), "{}", c.name);
                assert_eq!(phase_lines, ["test"], "{}", c.name);
            } else {
                assert_eq!(phase_lines.first(), Some(&"build"), "{}", c.name);
                assert!(!phase_lines.contains(&"test"), "{}", c.name);
            }
        }
    }

    #[test]
    fn platform_fields_are_consistent() {
        let mut dates = BTreeSet::new();
        for c in managed_components() {
            assert!(c.build >= 1);
            assert!(!c.description.is_empty() && c.description.len() <= 1024);
            assert!(!c.supported_os_versions.is_empty());
            assert!(c.data.len() <= 16000);
            match c.platform {
                "Linux" => {
                    assert!(!c.data.contains("ExecutePowerShell"), "{}", c.name);
                    assert!(c.name.ends_with("-linux") || c.name.ends_with("-test"));
                }
                "Windows" => {
                    assert!(!c.data.contains("ExecuteBash"), "{}", c.name);
                    assert!(c.name.ends_with("-windows"));
                }
                other => panic!("{}: unexpected platform {other}", c.name),
            }
            let d = c.date_created;
            assert_eq!(d.len(), 24, "{d}");
            assert!(
                d.ends_with('Z') && &d[10..11] == "T" && &d[19..20] == ".",
                "{d}"
            );
            let year: u32 = d[..4].parse().unwrap();
            assert!((2020..=2024).contains(&year), "{d}");
            assert!(dates.insert(d), "duplicate date {d}");
        }
    }

    #[test]
    fn parameters_appear_only_where_expected() {
        for c in managed_components() {
            let has_params = c.data.lines().any(|l| l == "parameters:");
            assert_eq!(
                has_params,
                c.name == "amazon-cloudwatch-agent-linux",
                "{}",
                c.name
            );
        }
        let cw = managed_components()
            .iter()
            .find(|c| c.name == "amazon-cloudwatch-agent-linux")
            .unwrap();
        assert!(cw.data.contains("{{ ConfigFilePath }}"));
    }
}
