/*
 * store_migrations.h - the schema migrations compiled into the binary (internal to store/).
 * The table is generated at build time from migrations/NNN_name.sql (embed_migrations.cmake);
 * a driver applies, in order, every migration above the version recorded in schema_version.
 */
#ifndef KTPEL_STORE_MIGRATIONS_H
#define KTPEL_STORE_MIGRATIONS_H

#include "store/store.h" /* store_migration */

extern const store_migration store_migrations[];
extern const unsigned store_migrations_n;

#endif
