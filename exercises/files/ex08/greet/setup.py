# The one thing pyproject.toml cannot say: greet is a C extension, built from greet.c.
from setuptools import Extension, setup

setup(ext_modules=[Extension("greet", sources=["greet.c"])])
