//! AWSTOE's action modules as a component document may name them: how each takes its
//! inputs, which inputs it needs, the outputs later steps may chain, where it runs.

/// How a module takes `inputs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputForm {
    /// One mapping, required.
    Map,
    /// One mapping, which may be left out.
    OptionalMap,
    /// A list of mappings, one operation each (chained as `inputs[i]`).
    List,
}

/// The platforms a module runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    Everywhere,
    LinuxAndMac,
    WindowsOnly,
    NotWindows,
}

/// One action module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    pub name: &'static str,
    pub form: InputForm,
    /// Inputs every mapping must have.
    pub required: &'static [&'static str],
    /// Outputs a later step may chain (`{{ phase.step.outputs.<name> }}`).
    pub outputs: &'static [&'static str],
    pub runs: Runs,
    /// Simulated seconds one run takes (one operation, for list modules).
    pub seconds: u32,
}

const fn module(
    name: &'static str,
    form: InputForm,
    required: &'static [&'static str],
    outputs: &'static [&'static str],
    runs: Runs,
    seconds: u32,
) -> Module {
    Module {
        name,
        form,
        required,
        outputs,
        runs,
        seconds,
    }
}

use InputForm::{List, Map, OptionalMap};
use Runs::{Everywhere, LinuxAndMac, NotWindows, WindowsOnly};

const SOURCE_DESTINATION: &[&str] = &["source", "destination"];
const PATH: &[&str] = &["path"];
const MSI_OUTPUTS: &[&str] = &["logFile", "msiExitCode", "stdout"];

/// Every action module AWSTOE documents, by name.
pub const MODULES: [Module; 30] = [
    module("AppendFile", List, PATH, &[], Everywhere, 1),
    module("Assert", Map, &[], &[], Everywhere, 1),
    module("CopyFile", List, SOURCE_DESTINATION, &[], Everywhere, 1),
    module("CopyFolder", List, SOURCE_DESTINATION, &[], Everywhere, 2),
    module("CreateFile", List, PATH, &[], Everywhere, 1),
    module("CreateFolder", List, PATH, &[], Everywhere, 1),
    module(
        "CreateSymlink",
        List,
        &["path", "target"],
        &[],
        NotWindows,
        1,
    ),
    module("DeleteFile", List, PATH, &[], Everywhere, 1),
    module("DeleteFolder", List, PATH, &[], Everywhere, 1),
    module(
        "ExecuteBash",
        Map,
        &["commands"],
        &["stdout"],
        LinuxAndMac,
        20,
    ),
    module("ExecuteBinary", Map, &["path"], &["stdout"], Everywhere, 20),
    module(
        "ExecuteDocument",
        Map,
        &["document"],
        &[
            "executedStepCount",
            "executionId",
            "failedStepCount",
            "failureMessage",
            "ignoredFailedStepCount",
            "logUrl",
            "status",
        ],
        Everywhere,
        60,
    ),
    module("ExecutePowerShell", Map, &[], &["stdout"], WindowsOnly, 20),
    module("InstallMSI", Map, PATH, MSI_OUTPUTS, WindowsOnly, 120),
    module("ListFiles", List, PATH, &["files"], Everywhere, 1),
    module("MoveFile", List, SOURCE_DESTINATION, &[], Everywhere, 1),
    module("MoveFolder", List, SOURCE_DESTINATION, &[], Everywhere, 2),
    module("ReadFile", List, PATH, &["content"], Everywhere, 1),
    module("Reboot", OptionalMap, &[], &[], Everywhere, 90),
    module("S3Download", List, SOURCE_DESTINATION, &[], Everywhere, 10),
    module("S3Upload", List, SOURCE_DESTINATION, &[], Everywhere, 10),
    module("SetFileEncoding", List, PATH, &[], Everywhere, 1),
    module("SetFileOwner", List, &["path", "owner"], &[], NotWindows, 1),
    module(
        "SetFilePermissions",
        List,
        &["path", "permissions"],
        &[],
        NotWindows,
        1,
    ),
    module(
        "SetFolderOwner",
        List,
        &["path", "owner"],
        &[],
        NotWindows,
        1,
    ),
    module(
        "SetFolderPermissions",
        List,
        &["path", "permissions"],
        &[],
        NotWindows,
        1,
    ),
    module(
        "SetRegistry",
        List,
        &["path", "name", "value", "type"],
        &[],
        WindowsOnly,
        1,
    ),
    module("UninstallMSI", Map, PATH, MSI_OUTPUTS, WindowsOnly, 60),
    module("UpdateOS", OptionalMap, &[], &[], Everywhere, 240),
    module(
        "WebDownload",
        List,
        SOURCE_DESTINATION,
        &["destination"],
        Everywhere,
        15,
    ),
];

/// The module called `name` (case as AWSTOE writes it).
pub fn module_named(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name == name)
}

impl Runs {
    /// Whether a module runs on `platform` (`Linux`, `Windows`, `macOS`).
    pub fn on(self, platform: &str) -> bool {
        match self {
            Everywhere => true,
            LinuxAndMac | NotWindows => platform != "Windows",
            WindowsOnly => platform == "Windows",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_sorted_and_unique() {
        let names: Vec<&str> = MODULES.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(module_named("ExecuteBash").is_some());
        assert!(module_named("executebash").is_none());
        assert!(module_named("RunCommand").is_none());
    }
}
