#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Test wrapper for the valgrind run: start compiled test programs under
# valgrind memcheck and run scripts and their interpreters directly.
# valgrind would otherwise check the shell itself and count its own
# allocations as leaks; the smoke test checks the server it starts
# through WAITSET_SERVER_WRAPPER.
case "$(basename "$1")" in
  sh|bash|dash|env|python3)
    exec "$@" ;;
esac
if [ "$(head -c 4 "$1" 2>/dev/null)" = "$(printf '\177ELF')" ]; then
  exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect "$@"
fi
exec "$@"
