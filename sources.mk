# Source lists, kept apart from the build logic. Each module folder becomes
# its own static archive; libmixmaster.a holds them all.
VERSION    = 0.1.0
SOVERSION  = 0
MODULES    = dsp analyze automix automaster reports
LINK_ORDER = reports automix automaster analyze dsp
LIB_SRC    = $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
CLI_SRC    = $(wildcard cli/*.c)
TEST_SRC   = $(wildcard tests/test_*.c)
