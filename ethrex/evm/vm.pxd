cimport cython

@cython.locals(pc=Py_ssize_t, op=int, n=Py_ssize_t, depth=Py_ssize_t, n_dests=Py_ssize_t,
               n_data=Py_ssize_t, code=bytes, stack=list, memory=bytearray, data=bytes,
               gas_table=list, stack_min=list, stack_max=list, stack_ops=list,
               frame_words=list, words=list, table=list, jumpdests=bytes, push_values=dict)
cpdef run(frame)
