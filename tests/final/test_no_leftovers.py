"""Runs last: after every notebook, nothing of the course is left and nothing of the learner's is hurt."""

import dockyard


def test_nothing_with_the_course_label_is_left(client):
    assert dockyard.leftovers(client) == []


def test_the_learners_own_resources_came_through_untouched(learner_resources):
    assert learner_resources is not None, "the plugin did not plant the learner's resources"
    assert learner_resources.problems() == []
