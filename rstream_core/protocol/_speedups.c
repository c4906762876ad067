/* Optional C versions of the sans-IO protocol's two per-message loops: encoding a Publish
 * frame and cutting a chunk's data section into records. A module of its own, so that the
 * protocol package needs nothing of the client above it (docs/architecture.md).
 *
 * Contract (protocol/publish.py and protocol/chunk.py pick these or their pure-Python
 * functions, which stay the reference):
 * - encode_publish(publisher_id, publishing_ids, messages) returns exactly the bytes of
 *   protocol.publish.python_encode_publish, or NotImplemented for any argument it does not
 *   handle (wrong types, out-of-range values, mismatched lengths, sizes too large), and then
 *   the Python function encodes or raises.
 * - read_simple_entries(chunk, start, end) returns the records protocol.chunk's
 *   python_read_entries returns for a data section of simple entries only, or
 *   NotImplemented (a sub-entry batch, an entry that overruns `end`, bad arguments), and then
 *   Python reads, or rejects, the chunk.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define PUBLISH_KEY 2
#define PUBLISH_HEADER_SIZE 9 /* key, version, publisher id, count */
#define ENTRY_OVERHEAD 12     /* publishing id u64, size u32 */
#define MAX_FRAME_BODY 0x7FFFFFFF

static void put_u16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_u32(unsigned char *p, uint32_t v) {
    put_u16(p, (uint16_t)(v >> 16));
    put_u16(p + 2, (uint16_t)v);
}

static void put_u64(unsigned char *p, uint64_t v) {
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p + 4, (uint32_t)v);
}

static PyObject *not_handled(void) {
    Py_INCREF(Py_NotImplemented);
    return Py_NotImplemented;
}

/* encode_publish(publisher_id, publishing_ids: list, messages: list of bytes) */
static PyObject *encode_publish(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyLong_CheckExact(args[0]) || !PyList_CheckExact(args[1]) ||
        !PyList_CheckExact(args[2])) {
        return not_handled();
    }
    PyObject *ids = args[1], *messages = args[2];
    Py_ssize_t count = PyList_GET_SIZE(messages);
    long publisher_id = PyLong_AsLong(args[0]);
    if (publisher_id == -1 && PyErr_Occurred()) PyErr_Clear();
    if (publisher_id < 0 || publisher_id > 255 || PyList_GET_SIZE(ids) != count ||
        count > INT32_MAX) {
        return not_handled();
    }
    Py_ssize_t body = PUBLISH_HEADER_SIZE;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *message = PyList_GET_ITEM(messages, i);
        if (!PyBytes_CheckExact(message) || !PyLong_CheckExact(PyList_GET_ITEM(ids, i))) {
            return not_handled();
        }
        /* Checked before adding: no overflow where Py_ssize_t has 32 bits. */
        if (PyBytes_GET_SIZE(message) > MAX_FRAME_BODY - ENTRY_OVERHEAD - body) {
            return not_handled();
        }
        body += ENTRY_OVERHEAD + PyBytes_GET_SIZE(message);
    }
    PyObject *frame = PyBytes_FromStringAndSize(NULL, 4 + body);
    if (frame == NULL) return NULL;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(frame);
    put_u32(out, (uint32_t)body);
    put_u16(out + 4, PUBLISH_KEY);
    put_u16(out + 6, 1);
    out[8] = (unsigned char)publisher_id;
    put_u32(out + 9, (uint32_t)count);
    out += 4 + PUBLISH_HEADER_SIZE;
    for (Py_ssize_t i = 0; i < count; i++) {
        /* Nothing below runs Python code, so the lists are as checked above. */
        unsigned long long id = PyLong_AsUnsignedLongLong(PyList_GET_ITEM(ids, i));
        if (id == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear(); /* negative or over 64 bits: Python raises the ValueError */
            Py_DECREF(frame);
            return not_handled();
        }
        PyObject *message = PyList_GET_ITEM(messages, i);
        Py_ssize_t size = PyBytes_GET_SIZE(message);
        put_u64(out, id);
        put_u32(out + 8, (uint32_t)size);
        memcpy(out + ENTRY_OVERHEAD, PyBytes_AS_STRING(message), (size_t)size);
        out += ENTRY_OVERHEAD + size;
    }
    return frame;
}

/* read_simple_entries(chunk: bytes, start, end) -> list[bytes] | NotImplemented
 * The records of a data section made of simple entries (size:u32 with the top bit clear,
 * then the message), from `start` to `end`. Why: the Python loop (an unpack, a slice and an
 * append per record) was ~160 ns per record, a quarter of a consumer's cost per message on a
 * stream of small chunks. */
static PyObject *read_simple_entries(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyBytes_CheckExact(args[0]) || !PyLong_CheckExact(args[1]) ||
        !PyLong_CheckExact(args[2])) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    Py_ssize_t size = PyBytes_GET_SIZE(args[0]);
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]), end = PyLong_AsSsize_t(args[2]);
    if ((pos == -1 || end == -1) && PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (pos < 0 || end > size || pos > end) Py_RETURN_NOTIMPLEMENTED;
    PyObject *records = PyList_New(0);
    if (records == NULL) return NULL;
    while (pos < end) {
        if (end - pos < 4) goto not_handled;
        uint32_t length = ((uint32_t)data[pos] << 24) | ((uint32_t)data[pos + 1] << 16) |
                          ((uint32_t)data[pos + 2] << 8) | data[pos + 3];
        if (length & 0x80000000u) goto not_handled; /* a sub-entry batch */
        pos += 4;
        if ((Py_ssize_t)length > end - pos) goto not_handled; /* overruns the section */
        PyObject *record = PyBytes_FromStringAndSize((const char *)data + pos, length);
        if (record == NULL || PyList_Append(records, record) < 0) {
            Py_XDECREF(record);
            Py_DECREF(records);
            return NULL;
        }
        Py_DECREF(record);
        pos += length;
    }
    return records;
not_handled:
    Py_DECREF(records);
    Py_RETURN_NOTIMPLEMENTED;
}

static PyMethodDef methods[] = {
    {"encode_publish", (PyCFunction)(void (*)(void))encode_publish, METH_FASTCALL,
     "A Publish v1 frame, or NotImplemented."},
    {"read_simple_entries", (PyCFunction)(void (*)(void))read_simple_entries, METH_FASTCALL,
     "The records of a chunk of simple entries, or NotImplemented."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups", "Optional C versions of the protocol's loops.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module_def); }
