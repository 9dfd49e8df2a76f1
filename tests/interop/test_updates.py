"""UpdateInfrastructureConfiguration and UpdateDistributionConfiguration: AWS's replace semantics
(the request is the whole new configuration; ARN, name, dateCreated and tags stay; dateUpdated is
set), images built before keep what they were built with, builds started later use the new
configuration. Through boto3, the AWS CLI and `stepwise imagebuilder`."""

from __future__ import annotations

import json
import uuid

import pytest

from stepwise_harness import Kit, assert_api_error, unique_name


def ami(region: str) -> dict:
    return {"region": region, "amiDistributionConfiguration": {"name": "out-{{imagebuilder:buildDate}}"}}


def test_an_infrastructure_update_replaces_it_for_later_builds_only(imagebuilder, kit: Kit):
    infra = imagebuilder.create_infrastructure_configuration(
        name=unique_name("infra"), instanceProfileName="FirstProfile", description="first",
        subnetId="subnet-0123456789abcdef0", instanceTypes=["m5.large"], tags={"team": "a"},
        clientToken=str(uuid.uuid4()))["infrastructureConfigurationArn"]
    imagebuilder.tag_resource(resourceArn=infra, tags={"later": "b"})
    recipe = kit.create_recipe()
    before = kit.create_image(recipe, infra)
    assert kit.wait_image(before)["state"]["status"] == "AVAILABLE"
    created = imagebuilder.get_infrastructure_configuration(
        infrastructureConfigurationArn=infra)["infrastructureConfiguration"]

    token = str(uuid.uuid4())
    update = dict(infrastructureConfigurationArn=infra, instanceProfileName="SecondProfile",
                  instanceTypes=["c5.xlarge"], terminateInstanceOnFailure=False, clientToken=token)
    resp = imagebuilder.update_infrastructure_configuration(**update)
    assert (resp["infrastructureConfigurationArn"], resp["clientToken"]) == (infra, token)
    assert resp["requestId"]
    # The same token and parameters replay; other parameters are refused.
    again = imagebuilder.update_infrastructure_configuration(**update)
    assert again["infrastructureConfigurationArn"] == infra
    with pytest.raises(imagebuilder.exceptions.IdempotentParameterMismatchException):
        imagebuilder.update_infrastructure_configuration(**{**update, "instanceProfileName": "Other"})

    now = imagebuilder.get_infrastructure_configuration(
        infrastructureConfigurationArn=infra)["infrastructureConfiguration"]
    assert (now["arn"], now["name"], now["dateCreated"]) == (created["arn"], created["name"], created["dateCreated"])
    assert now["dateUpdated"] >= created["dateCreated"]
    assert now["tags"] == {"team": "a", "later": "b"}
    assert now["instanceProfileName"] == "SecondProfile" and now["instanceTypes"] == ["c5.xlarge"]
    assert now["terminateInstanceOnFailure"] is False
    assert "description" not in now and "subnetId" not in now, "what the update leaves out is gone"
    summary = [s for s in imagebuilder.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"]
               if s["arn"] == infra][0]
    assert summary["dateUpdated"] == now["dateUpdated"] and summary["instanceProfileName"] == "SecondProfile"

    old = imagebuilder.get_image(imageBuildVersionArn=before)["image"]["infrastructureConfiguration"]
    assert old["instanceProfileName"] == "FirstProfile" and old["description"] == "first"
    after = kit.create_image(recipe, infra)
    assert kit.wait_image(after)["state"]["status"] == "AVAILABLE"
    new = imagebuilder.get_image(imageBuildVersionArn=after)["image"]["infrastructureConfiguration"]
    assert new["instanceProfileName"] == "SecondProfile" and "description" not in new


def test_a_distribution_update_is_checked_like_a_create(imagebuilder, kit: Kit):
    dist = imagebuilder.create_distribution_configuration(
        name=unique_name("dist"), description="one region", distributions=[ami("us-east-1")],
        tags={"k": "v"}, clientToken=str(uuid.uuid4()))["distributionConfigurationArn"]
    created = imagebuilder.get_distribution_configuration(
        distributionConfigurationArn=dist)["distributionConfiguration"]
    with pytest.raises(imagebuilder.exceptions.InvalidParameterValueException) as err:
        imagebuilder.update_distribution_configuration(
            distributionConfigurationArn=dist, distributions=[ami("eu-west-1"), ami("eu-west-1")],
            clientToken=str(uuid.uuid4()))
    assert_api_error(err.value, "InvalidParameterValueException", 400, message_contains=["distributions[1]"])
    assert imagebuilder.get_distribution_configuration(
        distributionConfigurationArn=dist)["distributionConfiguration"] == created

    imagebuilder.update_distribution_configuration(
        distributionConfigurationArn=dist, distributions=[ami("eu-west-1"), ami("us-west-2")],
        clientToken=str(uuid.uuid4()))
    now = imagebuilder.get_distribution_configuration(distributionConfigurationArn=dist)["distributionConfiguration"]
    assert [d["region"] for d in now["distributions"]] == ["eu-west-1", "us-west-2"]
    assert "description" not in now and now["tags"] == {"k": "v"} and now["dateCreated"] == created["dateCreated"]
    assert "dateUpdated" in now
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure(), distributionConfigurationArn=dist)
    built = kit.wait_image(image)
    assert [d["region"] for d in built["distributionConfiguration"]["distributions"]] == ["eu-west-1", "us-west-2"]


def test_updates_of_what_does_not_exist(imagebuilder, kit: Kit):
    infra = kit.create_infrastructure()
    for arn in (infra.replace("/infra-", "/gone-"), infra.replace(":us-east-1:", ":eu-west-1:")):
        with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException) as err:
            imagebuilder.update_infrastructure_configuration(
                infrastructureConfigurationArn=arn, instanceProfileName="p", clientToken=str(uuid.uuid4()))
        assert_api_error(err.value, "ResourceNotFoundException", 404, message_contains=[arn])
    dist = infra.replace("infrastructure-configuration/infra-", "distribution-configuration/none-")
    with pytest.raises(imagebuilder.exceptions.ResourceNotFoundException):
        imagebuilder.update_distribution_configuration(
            distributionConfigurationArn=dist, distributions=[ami("us-east-1")], clientToken=str(uuid.uuid4()))
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        imagebuilder.update_infrastructure_configuration(
            infrastructureConfigurationArn=infra.rsplit("/", 1)[0] + "/Bad Name", instanceProfileName="p",
            clientToken=str(uuid.uuid4()))
    assert_api_error(err.value, "InvalidRequestException", 400, message_contains=["infrastructureConfigurationArn"])


def test_the_aws_cli_and_stepwise_imagebuilder_update_alike(tools, kit: Kit):
    arns = {tool: kit.create_infrastructure() for tool in ("aws", "stepwise")}
    outputs = {}
    for tool, arn in arns.items():
        done = tools.run(tool, "update-infrastructure-configuration", "--infrastructure-configuration-arn", arn,
                         "--instance-profile-name", "FromCli", "--instance-types", "t3.micro", "t3.small",
                         "--no-terminate-instance-on-failure")
        assert done.returncode == 0, done.stderr
        outputs[tool] = json.loads(done.stdout)
    assert list(outputs["aws"]) == list(outputs["stepwise"]) == ["requestId", "clientToken",
                                                                   "infrastructureConfigurationArn"]
    for tool, arn in arns.items():
        got = tools.run(tool, "get-infrastructure-configuration", "--infrastructure-configuration-arn", arn)
        config = json.loads(got.stdout)["infrastructureConfiguration"]
        assert config["instanceTypes"] == ["t3.micro", "t3.small"] and config["terminateInstanceOnFailure"] is False
    gone = arns["aws"].replace("/infra-", "/gone-")
    aws, ours = tools.both("update-infrastructure-configuration", "--infrastructure-configuration-arn", gone,
                           "--instance-profile-name", "p")
    assert aws.returncode == ours.returncode != 0
    assert aws.stderr == ours.stderr and "ResourceNotFoundException" in aws.stderr
