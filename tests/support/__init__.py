"""What the test suite uses beyond the course package: the pytest plugin, the run record, the census,
the safety recorder, the planted learner resources, soak runs, suite timings and the browser."""
