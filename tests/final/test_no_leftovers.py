"""Runs last, after the notebooks ran with --record-run (make test's notebook step): nothing of the
course is left, nothing of the learner's is hurt, and what the run recorded kept the rules."""

import dockyard
from dockyard import listing
from tests.support import safety


def test_nothing_with_the_course_label_is_left(client):
    assert dockyard.leftovers(client) == []


def test_the_learners_own_resources_came_through_untouched(learner_resources):
    assert learner_resources is not None, "no recorded run planted them: run the notebooks with --record-run"
    assert learner_resources.problems() == []


def test_every_course_container_kept_the_safety_rules(safety_record):
    """No privileged container, no engine socket, ports on 127.0.0.1 only, production not as root."""
    assert safety_record is not None, "no recorded run: run the notebooks with --record-run first"
    inspected = len(safety_record.seen) - len(safety_record.vanished)
    print(f"{len(safety_record.seen)} course containers created; {inspected} inspected, "
          f"{len(safety_record.vanished)} gone before inspection")
    assert safety_record.findings == {}
    assert inspected > len(safety_record.seen) / 2, "most containers must be inspected for this to mean much"


def test_no_image_the_course_keeps_holds_an_example_secret(client):
    # The classroom's learner image is a learner's workspace: it carries the course's own files,
    # examples included, by design (instructors/classroom.md).
    kept = [image.tags[0] if image.tags else image.id for image in listing.course(client).images
            if image.labels.get(dockyard.LABEL) != "classroom"]
    assert {name: safety.secrets_in(client, name) for name in kept} == {name: [] for name in kept}


def test_the_notebooks_ran_with_the_usual_ports_taken(busy_ports):
    # The run writes only the ports it found still listening at its end, so a port let go (or never
    # taken) is missing here.
    assert busy_ports == [5000, 8000, 5432, 6379], "these ports were not held while the notebooks ran"
