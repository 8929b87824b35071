/* greet: a Python module written in C, so that installing it needs a C compiler and Python's headers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *hello(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString("Hello from C");
}

static PyMethodDef methods[] = {
    {"hello", hello, METH_NOARGS, "Return a greeting made by compiled code."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "greet", "A greeting compiled from C.", -1, methods,
};

PyMODINIT_FUNC PyInit_greet(void)
{
    return PyModule_Create(&module);
}
