# cmake -P script: bpftool gen skeleton OBJ name NAME > OUT, atomically.
# Written to a temporary file and renamed only on success, so a failed run
# never leaves a truncated header that a later build would trust.
execute_process(
    COMMAND ${BPFTOOL} gen skeleton ${OBJ} name ${NAME}
    OUTPUT_FILE ${OUT}.tmp
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE ${OUT}.tmp)
    message(FATAL_ERROR "bpftool gen skeleton ${OBJ} failed (${rc}): ${err}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
