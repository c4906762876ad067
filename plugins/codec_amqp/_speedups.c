/* Optional C versions of the two fast paths in fast_sections.py.
 *
 * Why: reading properties and application properties is most of what a consumer pays per
 * message, and the pure-Python fast paths cannot go below ~1 us for a usual message.
 *
 * Contract (fast_sections.py relies on it): each function either returns exactly what the
 * pure-Python fast path returns (same values, same types: every wrapper is made from the
 * Python classes handed to init()), or returns NotImplemented, and then Python decodes the
 * section again its own way. NotImplemented is returned for every shape not handled here and
 * for every malformed input, so all error reporting stays in Python. Every length is checked
 * against the section's end before anything is read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* Set by init(): the Python classes and helpers the results are built from. */
static PyObject *properties_class;  /* sections.Properties */
static PyObject *application_properties_class; /* ApplicationProperties (dict subclass) */
static PyObject *ulong_class, *uint_class, *ubyte_class, *timestamp_class;
static PyObject *symbol_cache;      /* fast_sections._SYMBOLS: bytes -> Symbol */
static PyObject *new_symbol;        /* fast_sections._new_symbol(bytes) -> Symbol (caches) */
static PyObject *no_args;           /* () */

#define PROPERTIES_COUNT 13

static uint32_t read_u32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t read_u64(const unsigned char *p) {
    return ((uint64_t)read_u32(p) << 32) | read_u32(p + 4);
}

/* int.__new__(kind, value): the wrapper without its Python-level range check, as the
 * Python decoder makes it (the wire width already bounds the value). */
static PyObject *wrap_int(PyObject *kind, PyObject *value) {
    if (value == NULL) return NULL;
    PyObject *args = PyTuple_Pack(1, value);
    Py_DECREF(value);
    if (args == NULL) return NULL;
    PyObject *result = PyLong_Type.tp_new((PyTypeObject *)kind, args, NULL);
    Py_DECREF(args);
    return result;
}

/* A bad UTF-8 or ASCII payload is the Python side's to report: turn that one error into
 * "not handled" (NULL with no exception set); anything else (MemoryError...) propagates. */
static int swallow_value_error(void) {
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

static PyObject *read_symbol(const unsigned char *p, Py_ssize_t size) {
    PyObject *raw = PyBytes_FromStringAndSize((const char *)p, size);
    if (raw == NULL) return NULL;
    PyObject *symbol = PyDict_GetItemWithError(symbol_cache, raw);
    if (symbol != NULL) {
        Py_INCREF(symbol);
    } else if (!PyErr_Occurred()) {
        symbol = PyObject_CallOneArg(new_symbol, raw);
    }
    Py_DECREF(raw);
    return symbol;
}

/* Reads the value whose constructor is at *pos (before end) and moves *pos past it.
 * Returns a new reference; NULL with no exception set: not handled here (or malformed);
 * NULL with an exception: a real error. `properties` selects the properties rules, where a
 * long is left to Python (it becomes a Long in a numeric field). */
static PyObject *read_item(const unsigned char *data, Py_ssize_t *pos, Py_ssize_t end,
                           int properties) {
    Py_ssize_t p = *pos;
    Py_ssize_t room = end - p - 1; /* bytes after the constructor */
    Py_ssize_t size;
    PyObject *value;
    unsigned char code = data[p];

    switch (code) {
    case 0x40: *pos = p + 1; Py_RETURN_NONE;
    case 0x41: *pos = p + 1; Py_RETURN_TRUE;
    case 0x42: *pos = p + 1; Py_RETURN_FALSE;
    case 0x43: *pos = p + 1; return wrap_int(uint_class, PyLong_FromLong(0));
    case 0x44: *pos = p + 1; return wrap_int(ulong_class, PyLong_FromLong(0));
    case 0x50: case 0x52: case 0x53: /* ubyte, smalluint, smallulong */
        if (room < 1) return NULL;
        *pos = p + 2;
        return wrap_int(code == 0x50 ? ubyte_class : code == 0x52 ? uint_class : ulong_class,
                        PyLong_FromLong(data[p + 1]));
    case 0x55: /* smalllong */
        if (properties || room < 1) return NULL;
        *pos = p + 2;
        return PyLong_FromLong((signed char)data[p + 1]);
    case 0x70: /* uint */
        if (room < 4) return NULL;
        *pos = p + 5;
        return wrap_int(uint_class, PyLong_FromUnsignedLong(read_u32(data + p + 1)));
    case 0x80: /* ulong */
        if (room < 8) return NULL;
        *pos = p + 9;
        return wrap_int(ulong_class, PyLong_FromUnsignedLongLong(read_u64(data + p + 1)));
    case 0x81: case 0x83: /* long, timestamp */
        if ((code == 0x81 && properties) || room < 8) return NULL;
        *pos = p + 9;
        value = PyLong_FromLongLong((int64_t)read_u64(data + p + 1));
        return code == 0x81 ? value : wrap_int(timestamp_class, value);
    case 0x82: { /* double */
        if (room < 8) return NULL;
        double number = PyFloat_Unpack8((const char *)data + p + 1, 0);
        if (number == -1.0 && PyErr_Occurred()) return NULL;
        *pos = p + 9;
        return PyFloat_FromDouble(number);
    }
    case 0xA0: case 0xA1: case 0xA3: /* vbin8, str8, sym8 */
        if (room < 1 || room - 1 < data[p + 1]) return NULL;
        size = data[p + 1];
        p += 2;
        break;
    case 0xB0: case 0xB1: case 0xB3: /* vbin32, str32, sym32 */
        if (room < 4 || (uint64_t)(room - 4) < read_u32(data + p + 1)) return NULL;
        size = (Py_ssize_t)read_u32(data + p + 1);
        p += 5;
        break;
    default:
        return NULL;
    }
    /* a variable-width value: `size` bytes from p, known to end by `end` */
    switch (code & 0x0F) {
    case 0x00: value = PyBytes_FromStringAndSize((const char *)data + p, size); break;
    case 0x01: value = PyUnicode_DecodeUTF8((const char *)data + p, size, NULL); break;
    default: value = read_symbol(data + p, size); break;
    }
    if (value == NULL && swallow_value_error()) return NULL;
    *pos = p + size;
    return value;
}

/* Checks the arguments (data: bytes, where: (start, end)) as Python would index them;
 * 0: not handled here, -1: error. */
static int parse_args(PyObject *const *args, Py_ssize_t nargs, const unsigned char **data,
                      Py_ssize_t *start, Py_ssize_t *end) {
    if (properties_class == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_speedups.init() was not called");
        return -1;
    }
    if (nargs != 2 || !PyBytes_CheckExact(args[0]) || !PyTuple_CheckExact(args[1]) ||
        PyTuple_GET_SIZE(args[1]) != 2)
        return 0;
    /* Not an int, or too large: Python's to report. */
    *start = PyLong_AsSsize_t(PyTuple_GET_ITEM(args[1], 0));
    if (*start == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(args[1], 1));
    if (*end == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *data = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    return 0 <= *start && *start <= *end && *end <= PyBytes_GET_SIZE(args[0]);
}

/* The 3-byte descriptor `00 53 <code>` then a compound constructor, all within the section. */
static int has_head(const unsigned char *data, Py_ssize_t start, Py_ssize_t end,
                    unsigned char code) {
    return end - start >= 4 && data[start] == 0x00 && data[start + 1] == 0x53 &&
           data[start + 2] == code;
}

static PyObject *not_handled(void) { Py_RETURN_NOTIMPLEMENTED; }

/* An empty ApplicationProperties (what the Python decoders return), made by dict's tp_new
 * alone: the class defines neither __new__ nor __init__ (init() checks), so calling it would
 * do no more, through type.__call__ and dict's __init__, at over twice the added cost. */
static PyObject *new_application_properties(void) {
    return PyDict_Type.tp_new((PyTypeObject *)application_properties_class, no_args, NULL);
}

static PyObject *decode_properties(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    const unsigned char *data;
    Py_ssize_t start, end;
    int ok = parse_args(args, nargs, &data, &start, &end);
    if (ok <= 0) return ok < 0 ? NULL : not_handled();
    if (!has_head(data, start, end, 0x73)) return not_handled();
    if (data[start + 3] == 0x45) /* list0: no field set */
        return end - start == 4 ? PyObject_CallNoArgs(properties_class) : not_handled();
    if (data[start + 3] != 0xC0 || end - start < 6 || data[start + 5] > PROPERTIES_COUNT)
        return not_handled();

    /* The fields must fill the section exactly, as the generic decoder checks. */
    Py_ssize_t count = data[start + 5], index = 0, pos = start + 6;
    PyObject *fields[PROPERTIES_COUNT];
    PyObject *result = NULL;
    while (pos < end && index < count) {
        PyObject *field = read_item(data, &pos, end, 1);
        if (field == NULL) break;
        fields[index++] = field;
    }
    if (!PyErr_Occurred()) {
        if (index == count && pos == end)
            result = PyObject_Vectorcall(properties_class, fields, (size_t)count, NULL);
        else
            result = not_handled();
    }
    while (index > 0) Py_DECREF(fields[--index]);
    return result;
}

static PyObject *decode_application_properties(PyObject *module, PyObject *const *args,
                                               Py_ssize_t nargs) {
    const unsigned char *data;
    Py_ssize_t start, end;
    int ok = parse_args(args, nargs, &data, &start, &end);
    if (ok <= 0) return ok < 0 ? NULL : not_handled();
    if (!has_head(data, start, end, 0x74) || data[start + 3] != 0xC1 || end - start < 6 ||
        data[start + 5] & 1)
        return not_handled();

    Py_ssize_t pairs = data[start + 5] >> 1, pos = start + 6;
    PyObject *result = new_application_properties();
    if (result == NULL) return NULL;
    for (; pairs > 0; pairs--) {
        /* keys are str8 only; anything else is Python's */
        if (pos >= end || data[pos] != 0xA1) goto fall_back;
        PyObject *key = read_item(data, &pos, end, 0);
        if (key == NULL) goto error_or_fall_back;
        if (pos >= end) {
            Py_DECREF(key);
            goto fall_back;
        }
        PyObject *value = read_item(data, &pos, end, 0);
        if (value == NULL) {
            Py_DECREF(key);
            goto error_or_fall_back;
        }
        int failed = PyDict_SetItem(result, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (failed) goto error_or_fall_back;
    }
    if (pos == end) return result;
fall_back:
    Py_DECREF(result);
    return not_handled();
error_or_fall_back:
    if (!PyErr_Occurred()) goto fall_back;
    Py_DECREF(result);
    return NULL;
}

/* A dict subclass whose instances dict's tp_new makes whole: no __new__, no __init__. */
static int is_plain_dict_subclass(PyObject *kind) {
    if (!PyType_Check(kind) || !PyType_IsSubtype((PyTypeObject *)kind, &PyDict_Type))
        return 0;
    return ((PyTypeObject *)kind)->tp_new == PyDict_Type.tp_new &&
           ((PyTypeObject *)kind)->tp_init == PyDict_Type.tp_init;
}

static PyObject *init(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    PyObject **slots[] = {&properties_class, &application_properties_class,
                          &ulong_class,      &uint_class,
                          &ubyte_class,      &timestamp_class,
                          &symbol_cache,     &new_symbol};
    const Py_ssize_t count = (Py_ssize_t)(sizeof slots / sizeof slots[0]);
    if (nargs != count) {
        PyErr_Format(PyExc_TypeError, "init() takes %zd arguments", count);
        return NULL;
    }
    if (!is_plain_dict_subclass(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "init(): application properties must be a dict subclass without "
                        "__new__ or __init__");
        return NULL;
    }
    for (Py_ssize_t i = 2; i <= 5; i++) {
        if (!PyType_Check(args[i]) || !PyType_IsSubtype((PyTypeObject *)args[i], &PyLong_Type)) {
            PyErr_SetString(PyExc_TypeError, "init(): the wrappers must be int subclasses");
            return NULL;
        }
    }
    if (!PyDict_CheckExact(args[6])) {
        PyErr_SetString(PyExc_TypeError, "init(): the symbol cache must be a dict");
        return NULL;
    }
    if (no_args == NULL && (no_args = PyTuple_New(0)) == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_INCREF(args[i]);
        Py_XSETREF(*slots[i], args[i]);
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))init, METH_FASTCALL,
     "init(Properties, ApplicationProperties, ULong, UInt, UByte, Timestamp, symbol_cache, "
     "new_symbol)"},
    {"decode_properties", (PyCFunction)(void (*)(void))decode_properties, METH_FASTCALL,
     "The properties section at where, or NotImplemented."},
    {"decode_application_properties",
     (PyCFunction)(void (*)(void))decode_application_properties, METH_FASTCALL,
     "The application-properties section at where, or NotImplemented."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "Optional C versions of the fast_sections fast paths.", -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module_def); }
