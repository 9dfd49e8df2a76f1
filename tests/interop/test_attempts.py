"""Step attempts: the Stepwise `maxAttempts` extension, seen from boto3."""

from __future__ import annotations

from stepwise_harness import Kit, unique_name

FLAKY = """schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Flaky
    action: RunCommand
    maxAttempts: 3
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
"""


def test_a_flaky_step_succeeds_on_its_third_attempt(imagebuilder, kit: Kit):
    workflow = kit.create_workflow(data=FLAKY, name=unique_name("flaky"))
    built = kit.build(
        kit.create_recipe(), kit.create_infrastructure(), workflows=[{"workflowArn": workflow}],
        tags={"stepwise:fail:Flaky": "SSM did not answer", "stepwise:fail-attempts:Flaky": "2"},
    )
    assert built.status == "AVAILABLE"
    launch, flaky = kit.steps(built.executions[0]["workflowExecutionId"])
    assert (launch["attemptNumber"], launch["maxAttempts"]) == (1, 1)
    assert (flaky["status"], flaky["attemptNumber"], flaky["maxAttempts"]) == ("COMPLETED", 3, 3)
    assert built.executions[0]["totalStepsFailed"] == 0, "only the last attempt's failure would count"
