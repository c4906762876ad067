/* Optional C versions of the client's per-message loops, publishing and consuming (the
 * protocol's own are in protocol/_speedups.c).
 *
 * Why: with message building and encoding in C (the amqp codec's _message extension), a
 * producer's remaining per-message cost in Python was the confirm loop (~200 ns of the
 * client's ~770 ns per message, measured without a broker: two dict pops, a named tuple and
 * the loop itself, before the user's callback); a consumer's was the hand-over loop.
 *
 * Contract (speedups.py picks these or the pure-Python functions, which stay the reference):
 * - encode_as_is(messages) returns what hot_paths.python_encode_as_is returns, or
 *   NotImplemented for what it leaves to that function.
 * - settle_confirmed(...) does what hot_paths.python_settle_confirmed does, step for step,
 *   for publishing ids that are ints (what the broker sends; an id with an odd __eq__ could
 *   tell the two dict lookups here from Python's one pop).
 * - run_coroutines(results, start, on_error) runs the coroutines that async confirm
 *   callbacks returned, as hot_paths.python_run_coroutines does (see there).
 * - deliver(...) hands a chunk's records to a plain message callback as
 *   hot_paths.python_deliver does, with MessageContext objects built here (init_context).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

static PyTypeObject *status_type; /* types.ConfirmationStatus, set by init() */
static PyObject *bytes_name, *publishing_id_name; /* interned "__bytes__", "publishing_id" */
static PyObject *last_offset_name, *active_name;  /* interned "last_offset", "active" */


static PyObject *not_handled(void) {
    Py_INCREF(Py_NotImplemented);
    return Py_NotImplemented;
}


/* True when a batch of these items is left to Python before any Python code runs: a class
 * whose metaclass is not `type` could run code while Python builds its set of types. */
static int unusual_types(PyObject *items) {
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items); i++) {
        if (Py_TYPE((PyObject *)Py_TYPE(PySequence_Fast_GET_ITEM(items, i))) != &PyType_Type) {
            return 1;
        }
    }
    return 0;
}

/* The one type of every item, NULL when they are of several types (borrowed). */
static PyTypeObject *only_type(PyObject *items) {
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    if (count == 0) return NULL;
    PyTypeObject *kind = Py_TYPE(PySequence_Fast_GET_ITEM(items, 0));
    for (Py_ssize_t i = 1; i < count; i++) {
        if (Py_TYPE(PySequence_Fast_GET_ITEM(items, i)) != kind) return NULL;
    }
    return kind;
}

/* python_encode_as_is's `to_bytes or bytes`: the one type's __bytes__, else bytes itself.
 * A new reference, or NULL with the exception set. */
static PyObject *bytes_function(PyObject *items) {
    PyTypeObject *kind = only_type(items);
    if (kind != NULL) {
        PyObject *to_bytes = PyObject_GetAttr((PyObject *)kind, bytes_name);
        if (to_bytes != NULL) {
            int usable = PyObject_IsTrue(to_bytes);
            if (usable > 0) return to_bytes;
            Py_DECREF(to_bytes);
            if (usable < 0) return NULL;
        } else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
        } else {
            return NULL;
        }
    }
    return Py_NewRef((PyObject *)&PyBytes_Type);
}

/* list(map(function, items)), reading the list afresh at every step as map does. */
static PyObject *map_list(PyObject *function, PyObject *items) {
    PyObject *result = PyList_New(0);
    if (result == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items); i++) {
        PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(items, i));
        PyObject *value = function == NULL
                              ? PyObject_GetAttr(item, publishing_id_name)
                              : PyObject_CallOneArg(function, item);
        Py_DECREF(item);
        if (value == NULL || PyList_Append(result, value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(value);
    }
    return result;
}

/* hot_paths.carry_ids: 1 when some item's publishing_id is not None, 0 if none, -1 on error. */
static int carry_ids(PyObject *items) {
    PyObject *ids = map_list(NULL, items);
    if (ids == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return -1;
        PyErr_Clear();
        /* [getattr(m, "publishing_id", None) for m in messages] */
        ids = PyList_New(0);
        if (ids == NULL) return -1;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items); i++) {
            PyObject *item = Py_NewRef(PySequence_Fast_GET_ITEM(items, i));
            PyObject *id = PyObject_GetAttr(item, publishing_id_name);
            Py_DECREF(item);
            if (id == NULL) {
                if (!PyErr_ExceptionMatches(PyExc_AttributeError)) goto error;
                PyErr_Clear();
                id = Py_NewRef(Py_None);
            }
            int failed = PyList_Append(ids, id) < 0;
            Py_DECREF(id);
            if (failed) goto error;
        }
    }
    /* ids.count(None) != len(ids): every id compared, as list.count does. */
    Py_ssize_t nones = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(ids); i++) {
        PyObject *id = Py_NewRef(PyList_GET_ITEM(ids, i));
        int equal = PyObject_RichCompareBool(id, Py_None, Py_EQ);
        Py_DECREF(id);
        if (equal < 0) goto error;
        nones += equal;
    }
    int carried = nones != PyList_GET_SIZE(ids);
    Py_DECREF(ids);
    return carried;
error:
    Py_DECREF(ids);
    return -1;
}

/* encode_as_is(messages: list or tuple) -> (encoded, any_id): what python_encode_as_is gives,
 * in the same order of calls into Python (every message encoded, then the publishing ids).
 * NotImplemented, before any Python code runs, for other sequences and unusual metaclasses. */
static PyObject *encode_as_is(PyObject *module, PyObject *messages) {
    if (!PyList_CheckExact(messages) && !PyTuple_CheckExact(messages)) return not_handled();
    PyObject *items = PySequence_Fast(messages, ""); /* the list itself, or the tuple */
    if (items == NULL) return NULL;
    PyObject *result = NULL;
    if (unusual_types(items)) {
        result = not_handled();
    } else if (only_type(items) == &PyBytes_Type) {
        /* every message is bytes: list(messages), and bytes carry no publishing id */
        PyObject *copy = PySequence_List(items);
        if (copy != NULL) result = Py_BuildValue("(NO)", copy, Py_False);
    } else if (PySequence_Fast_GET_SIZE(items) == 0) {
        result = Py_BuildValue("([]O)", Py_False);
    } else {
        PyObject *function = bytes_function(items);
        PyObject *encoded = function == NULL ? NULL : map_list(function, items);
        Py_XDECREF(function);
        int carried = encoded == NULL ? -1 : carry_ids(items);
        if (carried >= 0) result = Py_BuildValue("(OO)", encoded, carried ? Py_True : Py_False);
        Py_XDECREF(encoded);
    }
    Py_DECREF(items);
    return result;
}

/* A ConfirmationStatus(publishing_id, True, 1, False, False), built as tuple.__new__ builds
 * it. */
#define STATUS_FIELDS 5
static PyObject *confirmed_status(PyObject *publishing_id) {
    PyObject *status = status_type->tp_alloc(status_type, STATUS_FIELDS);
    if (status == NULL) return NULL;
    PyObject *items[STATUS_FIELDS] = {publishing_id, Py_True, NULL, Py_False, Py_False};
    items[2] = PyLong_FromLong(1);
    if (items[2] == NULL) {
        Py_DECREF(status);
        return NULL;
    }
    for (int i = 0; i < STATUS_FIELDS; i++) {
        if (i != 2) Py_INCREF(items[i]);
        PyTuple_SET_ITEM(status, i, items[i]);
    }
    return status;
}

/* Calls handler(argument) and drops its result; 0, or -1 with the exception set. */
static int call_handler(PyObject *handler, PyObject *argument) {
    PyObject *result = PyObject_CallOneArg(handler, argument);
    if (result == NULL) return -1;
    Py_DECREF(result);
    return 0;
}

/* The callback raised: hand the exception (normalised) to on_error. */
static int report_error(PyObject *on_error) {
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL && value != NULL) PyException_SetTraceback(value, traceback);
    /* Called outside any `except`, as the Python reference calls it. */
    int status = call_handler(on_error, value != NULL ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    return status;
}

/* settle_confirmed(publishing_ids, unconfirmed: dict, callbacks: dict, on_result, on_error
 *                  [, deferred: set, queue: list, queue_callbacks: list]) */
static PyObject *settle_confirmed(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if ((nargs != 5 && nargs != 8) || !PyDict_CheckExact(args[1]) ||
        !PyDict_CheckExact(args[2]) ||
        (nargs == 8 && (!PyAnySet_Check(args[5]) || !PyList_CheckExact(args[6]) ||
                        !PyList_CheckExact(args[7])))) {
        PyErr_SetString(PyExc_TypeError,
                        "settle_confirmed(ids, unconfirmed: dict, callbacks: dict, "
                        "on_result, on_error[, deferred: set, queue: list, "
                        "queue_callbacks: list])");
        return NULL;
    }
    PyObject *deferred = nargs == 8 ? args[5] : NULL;
    PyObject *queue = nargs == 8 ? args[6] : NULL, *queue_callbacks = nargs == 8 ? args[7] : NULL;
    if (status_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "rstream_core._speedups was not initialised");
        return NULL;
    }
    PyObject *unconfirmed = args[1], *callbacks = args[2];
    PyObject *on_result = args[3], *on_error = args[4];
    PyObject *ids = PySequence_Fast(args[0], "publishing ids must be a sequence");
    if (ids == NULL) return NULL;
    /* A list may shrink, and its items be replaced, while callbacks (or the __del__ of a
     * value dropped from a table) run: re-read the size, and own the id being settled. */
    PyObject *publishing_id = NULL;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(ids); i++) {
        Py_XSETREF(publishing_id, Py_NewRef(PySequence_Fast_GET_ITEM(ids, i)));
        /* A callback may change the tables: look them up afresh for every id. */
        PyObject *message = PyDict_GetItemWithError(unconfirmed, publishing_id);
        if (message == NULL) {
            if (PyErr_Occurred()) goto error;
            continue; /* not ours any more (settled already, or a stray confirm) */
        }
        int was_none = message == Py_None; /* pop(id, None) is None: skipped, as in Python */
        if (PyDict_DelItem(unconfirmed, publishing_id) < 0) goto error;
        if (was_none || PyDict_GET_SIZE(callbacks) == 0) continue;
        PyObject *callback = PyDict_GetItemWithError(callbacks, publishing_id);
        if (callback == NULL) {
            if (PyErr_Occurred()) goto error;
            continue;
        }
        Py_INCREF(callback);
        if (PyDict_DelItem(callbacks, publishing_id) < 0) {
            Py_DECREF(callback);
            goto error;
        }
        if (callback == Py_None) {
            Py_DECREF(callback);
            continue;
        }
        if (deferred != NULL && PySet_GET_SIZE(deferred) > 0) {
            int is_deferred = PySet_Contains(deferred, callback);
            if (is_deferred > 0) { /* an async callback: called when run_coroutines runs it */
                int failed = PyList_Append(queue, publishing_id) < 0 ||
                             PyList_Append(queue_callbacks, callback) < 0;
                Py_DECREF(callback);
                if (failed) goto error;
                continue;
            }
            if (is_deferred < 0) {
                if (!PyErr_ExceptionMatches(PyExc_TypeError)) { /* unhashable: not deferred */
                    Py_DECREF(callback);
                    goto error;
                }
                PyErr_Clear();
            }
        }
        PyObject *status = confirmed_status(publishing_id);
        if (status == NULL) {
            Py_DECREF(callback);
            goto error;
        }
        PyObject *result = PyObject_CallOneArg(callback, status);
        Py_DECREF(status);
        Py_DECREF(callback);
        if (result == NULL) {
            /* As Python's `except Exception`: anything else (KeyboardInterrupt...) goes up. */
            if (!PyErr_ExceptionMatches(PyExc_Exception) || report_error(on_error) < 0) {
                goto error;
            }
            continue;
        }
        int failed = result != Py_None && call_handler(on_result, result) < 0;
        Py_DECREF(result);
        if (failed) goto error;
    }
    Py_XDECREF(publishing_id);
    Py_DECREF(ids);
    Py_RETURN_NONE;
error:
    Py_XDECREF(publishing_id);
    Py_DECREF(ids);
    return NULL;
}

/* run_coroutines(results: list, result_callbacks: list, start, on_error)
 *     -> (index, suspended, yielded)
 *
 * Runs what async confirm callbacks left in results[start:], as hot_paths.python_run_coroutines
 * does: a coroutine, or a publishing id whose callback (result_callbacks[i], None for the
 * others) is called first with a confirmed status. Each coroutine runs to its end while none
 * suspends, the way `await` would: one send(None) each, with the return value taken without a
 * StopIteration (this is what makes an async callback that does not suspend cost little more
 * than a plain one). Stops at the first item that suspends (suspended: True, yielded: what it
 * yielded; the caller goes on awaiting it) or that is not a coroutine (suspended: False). */
static PyObject *run_coroutines(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4 || !PyList_CheckExact(args[0]) || !PyList_CheckExact(args[1]) ||
        !PyLong_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "run_coroutines(results: list, result_callbacks: list, start: int, "
                        "on_error)");
        return NULL;
    }
    PyObject *results = args[0], *result_callbacks = args[1], *on_error = args[3];
    Py_ssize_t index = PyLong_AsSsize_t(args[2]);
    if (index < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "start must be >= 0");
        return NULL;
    }
    /* A coroutine may append to the lists, or change them: re-read the sizes every time and
     * own the items being run. */
    for (; index < PyList_GET_SIZE(results); index++) {
        if (index >= PyList_GET_SIZE(result_callbacks)) {
            PyErr_SetString(PyExc_ValueError, "results and result_callbacks differ in length");
            return NULL;
        }
        PyObject *item = Py_NewRef(PyList_GET_ITEM(results, index));
        PyObject *callback = PyList_GET_ITEM(result_callbacks, index);
        if (callback != Py_None) { /* deferred: call it now, with the id in `item` */
            Py_INCREF(callback);
            PyObject *status = confirmed_status(item);
            Py_DECREF(item);
            item = status == NULL ? NULL : PyObject_CallOneArg(callback, status);
            Py_XDECREF(status);
            Py_DECREF(callback);
            if (item == NULL) {
                if (!PyErr_ExceptionMatches(PyExc_Exception) || report_error(on_error) < 0) {
                    return NULL;
                }
                continue;
            }
            /* What it returned takes the id's place, for the caller to await if need be. */
            if (index < PyList_GET_SIZE(results) && index < PyList_GET_SIZE(result_callbacks)) {
                if (PyList_SetItem(results, index, Py_NewRef(item)) < 0 ||
                    PyList_SetItem(result_callbacks, index, Py_NewRef(Py_None)) < 0) {
                    Py_DECREF(item);
                    return NULL;
                }
            }
        }
        if (!PyCoro_CheckExact(item)) {
            Py_DECREF(item);
            return Py_BuildValue("(nOO)", index, Py_False, Py_None);
        }
        PyObject *yielded = NULL;
        PySendResult sent = PyIter_Send(item, Py_None, &yielded);
        Py_DECREF(item);
        if (sent == PYGEN_NEXT) {
            PyObject *answer = Py_BuildValue("(nOO)", index, Py_True, yielded);
            Py_DECREF(yielded);
            return answer;
        }
        if (sent == PYGEN_ERROR) {
            /* As Python's `except Exception`: anything else (CancelledError...) goes up. */
            if (!PyErr_ExceptionMatches(PyExc_Exception) || report_error(on_error) < 0) {
                return NULL;
            }
            continue;
        }
        Py_XDECREF(yielded); /* PYGEN_RETURN: the callback's return value, unused */
    }
    return Py_BuildValue("(nOO)", index, Py_False, Py_None);
}

/* MessageContext, a slotted dataclass: built here by filling its slots (its fields, in
 * order), which is what its generated __init__ does, without running Python (128 ns). */
#define CONTEXT_FIELDS 6
static PyTypeObject *context_type;
static Py_ssize_t context_offsets[CONTEXT_FIELDS];

static PyObject *init_context(PyObject *module, PyObject *type) {
    static const char *names[CONTEXT_FIELDS] = {
        "consumer", "stream", "subscriber_id", "subscriber_name", "offset", "timestamp"};
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "init_context(MessageContext)");
        return NULL;
    }
    PyObject *namespace = ((PyTypeObject *)type)->tp_dict;
    for (int i = 0; i < CONTEXT_FIELDS; i++) {
        PyObject *descriptor = PyDict_GetItemString(namespace, names[i]);
        if (descriptor == NULL || !Py_IS_TYPE(descriptor, &PyMemberDescr_Type) ||
            ((PyMemberDescrObject *)descriptor)->d_member->type != T_OBJECT_EX) {
            PyErr_Format(PyExc_TypeError, "MessageContext.%s is not a slot", names[i]);
            return NULL;
        }
        context_offsets[i] = ((PyMemberDescrObject *)descriptor)->d_member->offset;
    }
    Py_INCREF(type);
    Py_XSETREF(context_type, (PyTypeObject *)type);
    Py_RETURN_NONE;
}

static PyObject *new_context(PyObject *const *fields) {
    PyObject *context = context_type->tp_alloc(context_type, 0);
    if (context == NULL) return NULL;
    for (int i = 0; i < CONTEXT_FIELDS; i++) {
        *(PyObject **)((char *)context + context_offsets[i]) = Py_NewRef(fields[i]);
    }
    return context;
}

/* deliver(records, start, first_offset, subscription, decoder, predicate, callback, on_error,
 *         consumer, stream, subscriber_id, reference, timestamp) -> (index, error, pending)
 * See hot_paths.python_deliver, which this follows step for step. */
static PyObject *deliver(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 13 || !PyList_CheckExact(args[0]) || !PyLong_CheckExact(args[1]) ||
        !PyLong_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "deliver(records: list, start: int, first: int, ...)");
        return NULL;
    }
    if (context_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "rstream_core._speedups: init_context not called");
        return NULL;
    }
    PyObject *records = args[0], *subscription = args[3];
    PyObject *decoder = args[4], *predicate = args[5], *callback = args[6], *on_error = args[7];
    PyObject *fields[CONTEXT_FIELDS] = {args[8], args[9], args[10], args[11], NULL, args[12]};
    Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    long long first = PyLong_AsLongLong(args[2]);
    if (PyErr_Occurred()) return NULL;
    PyObject *last_object = PyObject_GetAttr(subscription, last_offset_name);
    if (last_object == NULL) return NULL;
    long long last = PyLong_AsLongLong(last_object);
    Py_DECREF(last_object);
    if (last == -1 && PyErr_Occurred()) return NULL;
    long long handed_last = last;
    PyObject *answer = NULL;
    Py_ssize_t index = start;
    for (; index < PyList_GET_SIZE(records); index++) {
        long long offset = first + index;
        if (offset <= last) continue;
        PyObject *active = PyObject_GetAttr(subscription, active_name);
        int is_active = active == NULL ? -1 : PyObject_IsTrue(active);
        Py_XDECREF(active);
        if (is_active < 0) goto done;
        if (!is_active) continue;
        PyObject *record = Py_NewRef(PyList_GET_ITEM(records, index));
        PyObject *message = decoder == Py_None ? Py_NewRef(record)
                                               : PyObject_CallOneArg(decoder, record);
        Py_DECREF(record);
        if (message == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_Exception)) goto done;
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (traceback != NULL && value != NULL) PyException_SetTraceback(value, traceback);
            Py_XDECREF(type);
            Py_XDECREF(traceback);
            answer = Py_BuildValue("(nNO)", index, value != NULL ? value : Py_NewRef(Py_None),
                                   Py_None);
            goto done;
        }
        int failed = 0;
        int wanted = 1;
        if (predicate != Py_None) {
            PyObject *verdict = PyObject_CallOneArg(predicate, message);
            wanted = verdict == NULL ? -1 : PyObject_IsTrue(verdict);
            Py_XDECREF(verdict);
            failed = wanted < 0;
        }
        if (wanted > 0) {
            PyObject *offset_object = PyLong_FromLongLong(offset);
            PyObject *context = NULL;
            if (offset_object != NULL) {
                fields[4] = offset_object;
                context = new_context(fields);
                Py_DECREF(offset_object);
            }
            PyObject *result = NULL;
            if (context != NULL) {
                PyObject *call_args[2] = {message, context};
                result = PyObject_Vectorcall(callback, call_args, 2, NULL);
                Py_DECREF(context);
            }
            if (result != NULL && PyCoro_CheckExact(result)) { /* an async callback: run it */
                PyObject *yielded = NULL;
                PySendResult sent = PyIter_Send(result, Py_None, &yielded);
                if (sent == PYGEN_NEXT) { /* suspended: the caller goes on awaiting it */
                    Py_DECREF(message);
                    answer = Py_BuildValue("(nO(NN))", index, Py_None, result, yielded);
                    goto done;
                }
                Py_DECREF(result);
                result = sent == PYGEN_RETURN ? yielded : NULL;
            }
            failed = result == NULL;
            Py_XDECREF(result);
        }
        Py_DECREF(message);
        if (failed) {
            /* As Python's `except Exception`: anything else (KeyboardInterrupt...) goes up. */
            if (!PyErr_ExceptionMatches(PyExc_Exception)) goto done;
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            PyErr_NormalizeException(&type, &value, &traceback);
            if (traceback != NULL && value != NULL) PyException_SetTraceback(value, traceback);
            PyObject *offset_object = PyLong_FromLongLong(offset);
            PyObject *reported = offset_object == NULL ? NULL
                : PyObject_CallFunctionObjArgs(on_error, value != NULL ? value : Py_None,
                                               offset_object, NULL);
            Py_XDECREF(offset_object);
            Py_XDECREF(type);
            Py_XDECREF(value);
            Py_XDECREF(traceback);
            if (reported == NULL) goto done;
            Py_DECREF(reported);
        }
        last = handed_last = offset;
    }
    answer = Py_BuildValue("(nOO)", index, Py_None, Py_None);
done:;
    /* What was handed over is remembered whatever ends the loop (as Python's `finally`). */
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject *handed = PyLong_FromLongLong(handed_last);
    if (handed == NULL || PyObject_SetAttr(subscription, last_offset_name, handed) < 0) {
        Py_XDECREF(handed);
        Py_XDECREF(answer);
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        return NULL;
    }
    Py_DECREF(handed);
    PyErr_Restore(type, value, traceback);
    return answer;
}

static PyObject *init(PyObject *module, PyObject *status) {
    if (!PyType_Check(status) || !PyType_IsSubtype((PyTypeObject *)status, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "init(ConfirmationStatus): a tuple subclass expected");
        return NULL;
    }
    Py_INCREF(status);
    Py_XSETREF(status_type, (PyTypeObject *)status);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)init, METH_O, "init(ConfirmationStatus)"},
    {"encode_as_is", (PyCFunction)encode_as_is, METH_O,
     "(encoded, any publishing id set) for a batch, or NotImplemented."},
    {"settle_confirmed", (PyCFunction)(void (*)(void))settle_confirmed, METH_FASTCALL,
     "Settle confirmed publishing ids (see hot_paths.python_settle_confirmed)."},
    {"init_context", (PyCFunction)init_context, METH_O, "init_context(MessageContext)"},
    {"deliver", (PyCFunction)(void (*)(void))deliver, METH_FASTCALL,
     "Hand records to a plain message callback (see hot_paths.python_deliver)."},
    {"run_coroutines", (PyCFunction)(void (*)(void))run_coroutines, METH_FASTCALL,
     "Run queued coroutines while none suspends (see hot_paths.python_run_coroutines)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups", "Optional C versions of the publishing loops.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    bytes_name = PyUnicode_InternFromString("__bytes__");
    publishing_id_name = PyUnicode_InternFromString("publishing_id");
    last_offset_name = PyUnicode_InternFromString("last_offset");
    active_name = PyUnicode_InternFromString("active");
    if (bytes_name == NULL || publishing_id_name == NULL || last_offset_name == NULL ||
        active_name == NULL) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
