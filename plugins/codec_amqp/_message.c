/* Optional C storage for AMQPMessage: its four slots, its constructor, its `body` and
 * bytes(message).
 *
 * Why: for a producer, building an AMQPMessage and encoding it were the two largest costs per
 * message that the client itself controls (profile of the seed's benchmark shape, Python
 * 3.11: ~300 ns for AMQPMessage(body=...) through a Python __init__, ~110 ns for the
 * encoding). A C constructor and a C fast path for the usual message (nothing but a body of
 * bytes shorter than 256) avoid the Python frames.
 *
 * Contract (message.py relies on it): MessageBase behaves exactly as message._MessageBase,
 * the pure-Python base used without this extension. The constructor takes the same arguments
 * with the same rules; __bytes__ returns the bytes the message was decoded from while they
 * are kept, encodes the usual message itself, and hands every other message to the Python
 * encoder given to init(), so all other encoding and every error stay in Python.
 * decode(data) builds the message python_amqp_decoder's fast path builds (one data section
 * under 256 bytes) and hands any other input to python_amqp_decoder.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *body;
    PyObject *raw;           /* the decoded-from bytes while they still encode it, or None */
    PyObject *sections;      /* None, or the list of message.py's section slots */
    PyObject *publishing_id;
} MessageBase;

/* Set by init(). */
static PyTypeObject *message_class; /* message.AMQPMessage, built on MessageBase */
static PyObject *amqp_value_class; /* types.AmqpValue: the body that needs unwrapping */
static PyObject *unwrap_body;      /* message._unwrap(AmqpValue) -> body */
static PyObject *python_encode;    /* message._python_encode(message) -> bytes */
static PyObject *python_decode;    /* message.python_amqp_decoder(data) -> AMQPMessage */

/* Keyword arguments in the order of the Python signature; index 0 is also positional. */
#define ARGUMENTS 8
#define PUBLISHING_ID 7
static const char *const argument_names[ARGUMENTS] = {
    "body",       "header", "delivery_annotations", "message_annotations",
    "properties", "application_properties", "footer", "publishing_id",
};
static PyObject *interned_names[ARGUMENTS];

static int argument_index(PyObject *key) {
    for (int i = 0; i < ARGUMENTS; i++) {
        if (key == interned_names[i]) return i;
    }
    /* Keys of a ** dict need not be interned: compare the text. */
    for (int i = 0; i < ARGUMENTS; i++) {
        if (PyUnicode_Compare(key, interned_names[i]) == 0) return i;
    }
    return -1;
}

/* Fills values[] (borrowed references, NULL when not given) from args and kwds. */
static int parse_arguments(PyObject *args, PyObject *kwds, PyObject **values) {
    Py_ssize_t positional = PyTuple_GET_SIZE(args);
    if (positional > 1) {
        PyErr_Format(PyExc_TypeError,
                     "AMQPMessage() takes at most 1 positional argument (%zd given)", positional);
        return -1;
    }
    if (positional == 1) values[0] = PyTuple_GET_ITEM(args, 0);
    if (kwds == NULL) return 0;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(kwds, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keywords must be strings");
            return -1;
        }
        int index = argument_index(key);
        if (index < 0) {
            PyErr_Format(PyExc_TypeError,
                         "AMQPMessage() got an unexpected keyword argument '%S'", key);
            return -1;
        }
        if (values[index] != NULL) {
            PyErr_Format(PyExc_TypeError, "AMQPMessage() got multiple values for argument '%s'",
                         argument_names[index]);
            return -1;
        }
        values[index] = value;
    }
    return 0;
}

/* None when no section but the body is given, else the 7-slot list message.py uses. */
static PyObject *make_sections(PyObject **values) {
    int any = 0;
    for (int i = 1; i < PUBLISHING_ID; i++) {
        if (values[i] != NULL && values[i] != Py_None) any = 1;
    }
    if (!any) Py_RETURN_NONE;
    PyObject *sections = PyList_New(PUBLISHING_ID);
    if (sections == NULL) return NULL;
    for (int i = 1; i <= PUBLISHING_ID; i++) {
        PyObject *item = (i < PUBLISHING_ID && values[i] != NULL) ? values[i] : Py_None;
        Py_INCREF(item);
        PyList_SET_ITEM(sections, i - 1, item);
    }
    return sections;
}

static int message_init(MessageBase *self, PyObject *args, PyObject *kwds) {
    PyObject *values[ARGUMENTS] = {NULL};
    if (python_encode == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the _message extension was not initialised");
        return -1;
    }
    if (parse_arguments(args, kwds, values) < 0) return -1;
    /* Take every reference before _unwrap runs Python code: values[] borrow from kwds. */
    PyObject *sections = make_sections(values);
    if (sections == NULL) return -1;
    PyObject *publishing_id = values[PUBLISHING_ID] != NULL ? values[PUBLISHING_ID] : Py_None;
    Py_INCREF(publishing_id);
    PyObject *body = values[0] != NULL ? values[0] : Py_None;
    if ((PyObject *)Py_TYPE(body) == amqp_value_class) {
        Py_INCREF(body);
        Py_SETREF(body, PyObject_CallOneArg(unwrap_body, body));
        if (body == NULL) {
            Py_DECREF(sections);
            Py_DECREF(publishing_id);
            return -1;
        }
    } else {
        Py_INCREF(body);
    }
    Py_INCREF(Py_None);
    Py_XSETREF(self->body, body);
    Py_XSETREF(self->raw, Py_None);
    Py_XSETREF(self->sections, sections);
    Py_XSETREF(self->publishing_id, publishing_id);
    return 0;
}

/* bytes(message). The usual message: one data section (0x00 0x53 0x75 0xa0, size, body). */
static PyObject *message_bytes(MessageBase *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *raw = self->raw;
    if (raw != NULL && raw != Py_None) {
        Py_INCREF(raw);
        return raw;
    }
    /* An unset slot (NULL) goes to Python too, which raises AttributeError as for __slots__. */
    PyObject *body = self->body;
    if (raw != NULL && self->sections == Py_None && body != NULL && PyBytes_CheckExact(body) &&
        PyBytes_GET_SIZE(body) < 256) {
        Py_ssize_t size = PyBytes_GET_SIZE(body);
        PyObject *result = PyBytes_FromStringAndSize(NULL, size + 5);
        if (result == NULL) return NULL;
        unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
        out[0] = 0x00;
        out[1] = 0x53;
        out[2] = 0x75;
        out[3] = 0xa0;
        out[4] = (unsigned char)size;
        memcpy(out + 5, PyBytes_AS_STRING(body), (size_t)size);
        return result;
    }
    if (python_encode == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the _message extension was not initialised");
        return NULL;
    }
    return PyObject_CallOneArg(python_encode, (PyObject *)self);
}

static int message_traverse(MessageBase *self, visitproc visit, void *arg) {
    Py_VISIT(self->body);
    Py_VISIT(self->raw);
    Py_VISIT(self->sections);
    Py_VISIT(self->publishing_id);
    return 0;
}

static int message_clear(MessageBase *self) {
    Py_CLEAR(self->body);
    Py_CLEAR(self->raw);
    Py_CLEAR(self->sections);
    Py_CLEAR(self->publishing_id);
    return 0;
}

static void message_dealloc(MessageBase *self) {
    PyObject_GC_UnTrack(self);
    Py_TRASHCAN_BEGIN(self, message_dealloc)
    message_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
    Py_TRASHCAN_END
}

/* T_OBJECT_EX, as Python's own __slots__: an unset slot raises AttributeError, and CPython
 * specialises attribute access to these members as it does for slots (with T_OBJECT, making
 * a message and setting its four slots from Python measured 112 ns instead of 66 ns). */
static PyMemberDef message_members[] = {
    {"_body", T_OBJECT_EX, offsetof(MessageBase, body), 0, NULL},
    {"_raw", T_OBJECT_EX, offsetof(MessageBase, raw), 0, NULL},
    {"_sections", T_OBJECT_EX, offsetof(MessageBase, sections), 0, NULL},
    {"publishing_id", T_OBJECT_EX, offsetof(MessageBase, publishing_id), 0,
     "Not encoded: a producer uses it for deduplication."},
    {NULL, 0, 0, 0, NULL},
};

/* `body`, as _MessageBase.body: reading a body of a mutable type lets go of the decoded-from
 * bytes (the caller may change it in place); setting it unwraps an AmqpValue. */
static int immutable_body(PyObject *body) {
    return PyBytes_CheckExact(body) || PyUnicode_CheckExact(body) || PyLong_CheckExact(body) ||
           PyFloat_CheckExact(body) || body == Py_None || Py_IS_TYPE(body, &PyBool_Type) ||
           (PyObject *)Py_TYPE(body) == amqp_value_class;
}

static PyObject *message_get_body(MessageBase *self, void *Py_UNUSED(closure)) {
    PyObject *body = self->body;
    if (body == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_body");
        return NULL;
    }
    Py_INCREF(body);
    if (self->raw != NULL && self->raw != Py_None && !immutable_body(body)) {
        Py_SETREF(self->raw, Py_NewRef(Py_None));
    }
    return body;
}

static int message_set_body(MessageBase *self, PyObject *value, void *Py_UNUSED(closure)) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete the body");
        return -1;
    }
    Py_XSETREF(self->raw, Py_NewRef(Py_None));
    PyObject *body = (PyObject *)Py_TYPE(value) == amqp_value_class
                         ? PyObject_CallOneArg(unwrap_body, value)
                         : Py_NewRef(value);
    if (body == NULL) return -1;
    Py_XSETREF(self->body, body);
    return 0;
}

static PyGetSetDef message_getset[] = {
    {"body", (getter)message_get_body, (setter)message_set_body, "The message's body.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef message_methods[] = {
    {"__bytes__", (PyCFunction)message_bytes, METH_NOARGS, "The AMQP 1.0 encoding."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject MessageBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rstream_plugins.codec_amqp._message.MessageBase",
    .tp_doc = "AMQPMessage's storage, constructor and encoding fast path.",
    .tp_basicsize = sizeof(MessageBase),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    /* message.py's decoder makes instances with MessageBase.__new__ (no __init__). */
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)message_init,
    .tp_dealloc = (destructor)message_dealloc,
    .tp_traverse = (traverseproc)message_traverse,
    .tp_clear = (inquiry)message_clear,
    .tp_members = message_members,
    .tp_getset = message_getset,
    .tp_methods = message_methods,
};

static PyObject *init(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "init(AMQPMessage, AmqpValue, unwrap, python_encode, python_decode)");
        return NULL;
    }
    if (!PyType_Check(args[0]) ||
        !PyType_IsSubtype((PyTypeObject *)args[0], &MessageBaseType) ||
        !PyType_Check(args[1]) || !PyCallable_Check(args[2]) || !PyCallable_Check(args[3]) ||
        !PyCallable_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "init(): a MessageBase subclass, a class and three callables expected");
        return NULL;
    }
    PyObject **slots[] = {(PyObject **)&message_class, &amqp_value_class, &unwrap_body,
                          &python_encode, &python_decode};
    for (int i = 0; i < 5; i++) {
        Py_INCREF(args[i]);
        Py_XSETREF(*slots[i], args[i]);
    }
    Py_RETURN_NONE;
}

/* decode(data): AMQPMessage(body=data[5:]) keeping data as its bytes, when data is exactly
 * one data section of less than 256 bytes; python_decode(data) for anything else. */
static PyObject *decode(PyObject *module, PyObject *data) {
    if (python_decode == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the _message extension was not initialised");
        return NULL;
    }
    if (!PyBytes_CheckExact(data)) return PyObject_CallOneArg(python_decode, data);
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(data);
    if (size <= 4 || p[4] != size - 5 || memcmp(p, "\x00\x53\x75\xa0", 4) != 0) {
        return PyObject_CallOneArg(python_decode, data);
    }
    PyObject *body = PyBytes_FromStringAndSize((const char *)p + 5, size - 5);
    if (body == NULL) return NULL;
    MessageBase *message = (MessageBase *)message_class->tp_alloc(message_class, 0);
    if (message == NULL) {
        Py_DECREF(body);
        return NULL;
    }
    Py_INCREF(data);
    Py_INCREF(Py_None);
    Py_INCREF(Py_None);
    message->body = body;
    message->raw = data;
    message->sections = Py_None;
    message->publishing_id = Py_None;
    return (PyObject *)message;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))init, METH_FASTCALL,
     "init(AMQPMessage, AmqpValue, unwrap, python_encode, python_decode)"},
    {"decode", (PyCFunction)decode, METH_O,
     "Decode an AMQP 1.0 message (see message.python_amqp_decoder)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_message", "Optional C storage for AMQPMessage.", -1, methods,
};

PyMODINIT_FUNC PyInit__message(void) {
    for (int i = 0; i < ARGUMENTS; i++) {
        interned_names[i] = PyUnicode_InternFromString(argument_names[i]);
        if (interned_names[i] == NULL) return NULL;
    }
    if (PyType_Ready(&MessageBaseType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    Py_INCREF(&MessageBaseType);
    if (PyModule_AddObject(module, "MessageBase", (PyObject *)&MessageBaseType) < 0) {
        Py_DECREF(&MessageBaseType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
