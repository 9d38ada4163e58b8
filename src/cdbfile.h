/* cdbfile.h: finishing a cdb file so that a write error is never missed */
#ifndef KIRIM_CDBFILE_H
#define KIRIM_CDBFILE_H
#include "cdb_make.h"

/* cdb_make_finish, then fsync, then check what is on disk: the size
   must be cm->pos and the first 2048 bytes the header cm->final.
   libowfat 0.32's buffer_flush (used inside cdb_make) returns 0 even
   when write(2) failed, so a full disk would otherwise leave a short
   cdb behind a successful return. 0 ok; -1 with errno (EIO when the
   file on disk is not what was written). The caller closes fd. */
int cdbfile_finish(struct cdb_make *cm, int fd);

#endif
