"""Errors a learner can act on: shown as one paragraph, never as a traceback wall."""


class CourseError(RuntimeError):
    def _render_traceback_(self):
        # IPython calls this instead of printing the traceback.
        return [f"{self.__class__.__name__}: {self}"]
