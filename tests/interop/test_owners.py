"""`owner` is answered alike by every List that has it: the caller's own resources for `Self`,
Amazon's managed ones for `Amazon`, nothing for `Shared`, `ThirdParty` and `AWSMarketplace`."""

from __future__ import annotations

import pytest

from stepwise_harness import Kit

LISTS = [
    ("list_workflows", "workflowVersionList"),
    ("list_image_recipes", "imageRecipeSummaryList"),
    ("list_images", "imageVersionList"),
]


@pytest.fixture(scope="module")
def owned(kit: Kit) -> None:
    """One workflow, recipe and image of the caller's own."""
    kit.create_workflow(3)
    image = kit.create_image(kit.create_recipe(), kit.create_infrastructure())
    kit.wait_image(image)


@pytest.mark.parametrize("operation,key", LISTS)
def test_every_owner_of_the_model_is_accepted(imagebuilder, owned, operation, key):
    call = getattr(imagebuilder, operation)
    assert call()[key], "the caller's own resources are listed by default"
    assert call(owner="Self")[key] == call()[key]
    for owner in ("Shared", "ThirdParty", "AWSMarketplace"):
        resp = call(owner=owner)
        assert resp[key] == [] and "nextToken" not in resp, (operation, owner)
    with pytest.raises(imagebuilder.exceptions.InvalidRequestException) as err:
        getattr(imagebuilder, operation)(owner="Everyone")
    assert "owner" in err.value.response["Error"]["Message"]


def test_amazon_lists_what_stepwise_ships(imagebuilder, owned):
    managed = imagebuilder.list_workflows(owner="Amazon")["workflowVersionList"]
    assert {w["name"] for w in managed} >= {"build-image", "test-image"}
    assert imagebuilder.list_image_recipes(owner="Amazon")["imageRecipeSummaryList"] == []
    assert imagebuilder.list_images(owner="Amazon")["imageVersionList"] == []
