// bool, true and false for eBPF programs, without a libc (see stdint.h).
#pragma once

#if !defined(__cplusplus) && !defined(__bool_true_false_are_defined)
#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1
#endif
