/* The buffer checks the survival extensions (_survival.c, _coxph.c) share: NumPy arrays
 * arrive as C-contiguous buffers of 8-byte values whose lengths the caller promises; a
 * wrong length is a ValueError naming the argument, never a read past its end. */
#ifndef ONCONODE_BUFFERS_H
#define ONCONODE_BUFFERS_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* `view` of `obj`: n values of `size` bytes (writable if asked), or -1 with the error set */
static int get(PyObject *obj, Py_buffer *view, Py_ssize_t n, Py_ssize_t size, const char *what, int writable) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0)) < 0) return -1;
    if (view->len != n * size) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values of %zd bytes", what, n, size);
        return -1;
    }
    return 0;
}

/* how many 8-byte values `obj` holds (what the other arguments' lengths follow), or -1 */
static Py_ssize_t count8(PyObject *obj) {
    Py_buffer probe;
    if (PyObject_GetBuffer(obj, &probe, PyBUF_C_CONTIGUOUS) < 0) return -1;
    Py_ssize_t n = probe.len / 8;
    PyBuffer_Release(&probe);
    return n;
}

#endif
