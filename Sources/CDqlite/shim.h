#ifndef BORG_CDQLITE_SHIM_H
#define BORG_CDQLITE_SHIM_H
#include <dqlite.h>
#endif
