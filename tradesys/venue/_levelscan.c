/* Book levels read from a venue's JSON text straight to scaled integers: the market server's hot path.
 *
 * Three prints, one function each; every function takes both sides' raw JSON arrays (any bytes-like object:
 * bytes, msgspec.Raw) and the instrument's price and size scales, and returns
 * (bid prices, bid sizes, ask prices, ask sizes) as lists of int mantissas, or None.
 *
 *   string_pairs           [["64999.70","4.806"], ...]                                   Binance
 *   action_triples         [["new",65000.5,1200.0], ["delete",64999.0,0.0], ...]          Deribit
 *   price_size_objects     [{"price":"65038.01","size":"3456.78","num_orders":12}, ...]   GRVT
 *
 * None means "not read here", never "wrong": anything outside the narrow form below (whitespace, a sign, an
 * exponent, an escape, a digit past the scale that is not a zero, a mantissa of 2**53 or more, another key
 * order, an unknown action) is left to the caller's exact path, which reads it string by string and raises
 * its precise error. Within the form the reading is exact integer arithmetic: a number's whole digits, then
 * its decimals up to the scale, then only zeros; the mantissa is that digit string read as an integer at the
 * scale. The bound 2**53 keeps every mantissa one a double also holds exactly, so the result is the same
 * whichever path read it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define LIMIT ((int64_t)1 << 53)       /* mantissas read here are below this */
#define MAX_SCALE 18
#define STACK_LEVELS 256               /* a side's levels held on the stack; more go to the heap */

static const int64_t POW10[MAX_SCALE + 1] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL, 1000000000LL,
    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL, 1000000000000000000LL};

typedef struct {
    const char *p;
    const char *end;
} Cursor;

typedef struct {
    int64_t *prices;
    int64_t *sizes;
    Py_ssize_t count;
    Py_ssize_t capacity;
} Side;

static inline int is_digit(char c) { return (unsigned char)(c - '0') < 10; }

static inline int take(Cursor *at, char c)
{
    if (at->p < at->end && *at->p == c) {
        at->p++;
        return 1;
    }
    return 0;
}

static inline int take_text(Cursor *at, const char *text, Py_ssize_t length)
{
    if (at->end - at->p >= length && memcmp(at->p, text, (size_t)length) == 0) {
        at->p += length;
        return 1;
    }
    return 0;
}

/* digits[.digits] at `scale`: 1 and the mantissa, or 0. `json_number`: an unquoted JSON number, whose whole
 * part has no leading zero (JSON refuses "007"; the exact path would too). */
static int read_number(Cursor *at, int scale, int json_number, int64_t *out)
{
    const char *p = at->p, *end = at->end, *start = p;
    int64_t value = 0;
    while (p < end && is_digit(*p)) {
        if (value >= LIMIT)
            return 0;
        value = value * 10 + (*p++ - '0');
    }
    if (p == start || (json_number && *start == '0' && p - start > 1))
        return 0;
    int decimals = 0;
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        while (p < end && is_digit(*p)) {
            if (decimals < scale) {
                if (value >= LIMIT)
                    return 0;
                value = value * 10 + (*p - '0');
                decimals++;
            } else if (*p != '0') {
                return 0;          /* a digit past the scale: the exact path names it */
            }
            p++;
        }
        if (p == fraction)
            return 0;
    }
    int missing = scale - decimals;
    if (missing && value > (LIMIT - 1) / POW10[missing])
        return 0;
    value *= POW10[missing];
    if (value >= LIMIT)
        return 0;
    *out = value;
    at->p = p;
    return 1;
}

/* digits[.digits], no leading zero: a JSON number read for its form only. */
static int skip_json_number(Cursor *at)
{
    const char *p = at->p, *end = at->end, *start = p;
    while (p < end && is_digit(*p))
        p++;
    if (p == start || (*start == '0' && p - start > 1))
        return 0;
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        while (p < end && is_digit(*p))
            p++;
        if (p == fraction)
            return 0;
    }
    at->p = p;
    return 1;
}

static inline int read_quoted(Cursor *at, int scale, int64_t *out)
{
    return take(at, '"') && read_number(at, scale, 0, out) && take(at, '"');
}

static int grow(Side *side)
{
    Py_ssize_t capacity = side->capacity * 2;
    int64_t *prices = PyMem_Malloc(sizeof(int64_t) * (size_t)capacity);
    int64_t *sizes = PyMem_Malloc(sizeof(int64_t) * (size_t)capacity);
    if (prices == NULL || sizes == NULL) {
        PyMem_Free(prices);
        PyMem_Free(sizes);
        PyErr_NoMemory();
        return 0;
    }
    memcpy(prices, side->prices, sizeof(int64_t) * (size_t)side->count);
    memcpy(sizes, side->sizes, sizeof(int64_t) * (size_t)side->count);
    if (side->capacity > STACK_LEVELS) {
        PyMem_Free(side->prices);
        PyMem_Free(side->sizes);
    }
    side->prices = prices;
    side->sizes = sizes;
    side->capacity = capacity;
    return 1;
}

static inline int push(Side *side, int64_t price, int64_t size)
{
    if (side->count == side->capacity && !grow(side))
        return -1;
    side->prices[side->count] = price;
    side->sizes[side->count] = size;
    side->count++;
    return 1;
}

/* One level at the cursor: 1 read, 0 not in the form, -1 a Python error (no memory). */
typedef int (*LevelFn)(Cursor *at, Side *side, int price_scale, int size_scale);

static int string_pair(Cursor *at, Side *side, int price_scale, int size_scale)
{
    int64_t price, size;
    if (!(take(at, '[') && read_quoted(at, price_scale, &price) && take(at, ',')
          && read_quoted(at, size_scale, &size) && take(at, ']')))
        return 0;
    return push(side, price, size);
}

static int action_triple(Cursor *at, Side *side, int price_scale, int size_scale)
{
    int64_t price, size;
    int delete = 0;
    if (!take(at, '['))
        return 0;
    if (take_text(at, "\"delete\",", 9))
        delete = 1;
    else if (!(take_text(at, "\"new\",", 6) || take_text(at, "\"change\",", 9)))
        return 0;
    if (!(read_number(at, price_scale, 1, &price) && take(at, ',')))
        return 0;
    if (delete) {
        /* A delete's amount is checked for its form only: the level goes, whatever it says (as the exact path
         * has it), so it need not be on the size grid. */
        if (!(skip_json_number(at) && take(at, ']')))
            return 0;
        return push(side, price, 0);
    }
    if (!(read_number(at, size_scale, 1, &size) && take(at, ']')))
        return 0;
    return push(side, price, size);
}

static int price_size_object(Cursor *at, Side *side, int price_scale, int size_scale)
{
    int64_t price, size;
    if (!(take_text(at, "{\"price\":", 9) && read_quoted(at, price_scale, &price)
          && take_text(at, ",\"size\":", 8) && read_quoted(at, size_scale, &size)
          && take_text(at, ",\"num_orders\":", 14)))
        return 0;
    const char *start = at->p;
    while (at->p < at->end && is_digit(*at->p))
        at->p++;
    if (at->p == start || at->p - start > 15 || (*start == '0' && at->p - start > 1) || !take(at, '}'))
        return 0;
    return push(side, price, size);
}

/* One side's whole array: 1 read, 0 not in the form, -1 a Python error. */
static int read_side(PyObject *raw, LevelFn level, Side *side, int price_scale, int size_scale)
{
    Py_buffer view;
    if (PyObject_GetBuffer(raw, &view, PyBUF_SIMPLE) < 0)
        return -1;
    Cursor at = {(const char *)view.buf, (const char *)view.buf + view.len};
    int result = 0;
    if (take(&at, '[')) {
        if (take(&at, ']')) {
            result = 1;
        } else {
            for (;;) {
                int got = level(&at, side, price_scale, size_scale);
                if (got <= 0) {
                    result = got;
                    break;
                }
                if (take(&at, ','))
                    continue;
                result = take(&at, ']');
                break;
            }
        }
    }
    if (result == 1 && at.p != at.end)
        result = 0;
    PyBuffer_Release(&view);
    return result;
}

static PyObject *to_list(const int64_t *values, Py_ssize_t count)
{
    PyObject *list = PyList_New(count);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *number = PyLong_FromLongLong(values[i]);
        if (number == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, number);
    }
    return list;
}

static void release(Side *side)
{
    if (side->capacity > STACK_LEVELS) {
        PyMem_Free(side->prices);
        PyMem_Free(side->sizes);
    }
}

static PyObject *read_both(PyObject *const *args, Py_ssize_t nargs, LevelFn level, const char *name)
{
    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError, "%s() takes bids, asks, price_scale, size_scale (%zd given)", name, nargs);
        return NULL;
    }
    long price_scale = PyLong_AsLong(args[2]), size_scale = PyLong_AsLong(args[3]);
    if ((price_scale == -1 || size_scale == -1) && PyErr_Occurred())
        return NULL;
    if (price_scale < 0 || price_scale > MAX_SCALE || size_scale < 0 || size_scale > MAX_SCALE)
        Py_RETURN_NONE;
    int64_t bid_prices[STACK_LEVELS], bid_sizes[STACK_LEVELS], ask_prices[STACK_LEVELS], ask_sizes[STACK_LEVELS];
    Side bids = {bid_prices, bid_sizes, 0, STACK_LEVELS}, asks = {ask_prices, ask_sizes, 0, STACK_LEVELS};
    PyObject *result = NULL;
    int got = read_side(args[0], level, &bids, (int)price_scale, (int)size_scale);
    if (got == 1)
        got = read_side(args[1], level, &asks, (int)price_scale, (int)size_scale);
    if (got == 0) {
        result = Py_NewRef(Py_None);
    } else if (got == 1) {
        PyObject *lists[4] = {to_list(bids.prices, bids.count), to_list(bids.sizes, bids.count),
                              to_list(asks.prices, asks.count), to_list(asks.sizes, asks.count)};
        if (lists[0] && lists[1] && lists[2] && lists[3])
            result = PyTuple_Pack(4, lists[0], lists[1], lists[2], lists[3]);
        for (int i = 0; i < 4; i++)
            Py_XDECREF(lists[i]);
    }
    release(&bids);
    release(&asks);
    return result;
}

static PyObject *string_pairs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return read_both(args, nargs, string_pair, "string_pairs");
}

static PyObject *action_triples(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return read_both(args, nargs, action_triple, "action_triples");
}

static PyObject *price_size_objects(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return read_both(args, nargs, price_size_object, "price_size_objects");
}

static PyMethodDef methods[] = {
    {"string_pairs", (PyCFunction)(void (*)(void))string_pairs, METH_FASTCALL,
     "string_pairs(bids, asks, price_scale, size_scale): [[\"price\",\"size\"], ...] sides as four mantissa "
     "lists (bid prices, bid sizes, ask prices, ask sizes), or None when the text is not in the form read here."},
    {"action_triples", (PyCFunction)(void (*)(void))action_triples, METH_FASTCALL,
     "action_triples(bids, asks, price_scale, size_scale): [[action, price, amount], ...] sides (a delete's "
     "size 0) as four mantissa lists, or None when the text is not in the form read here."},
    {"price_size_objects", (PyCFunction)(void (*)(void))price_size_objects, METH_FASTCALL,
     "price_size_objects(bids, asks, price_scale, size_scale): [{\"price\":..,\"size\":..,\"num_orders\":..}, "
     "...] sides as four mantissa lists, or None when the text is not in the form read here."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_levelscan",
    "Book levels read from a venue's JSON text straight to scaled integers (see tradesys/venue/levels.py).",
    0, methods,
};

PyMODINIT_FUNC PyInit__levelscan(void)
{
    return PyModule_Create(&module);
}
