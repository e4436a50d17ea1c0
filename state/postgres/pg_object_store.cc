#include "state/postgres/pg_object_store.h"

#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

void PgObjectStore::put(const std::string& id, std::string_view bytes) {
  if (id.empty()) throw Error("an object id is empty");
  std::string sum = sha256_hex(bytes);
  db_.with([&](PgConnection& c) {
    PgResult r = c.exec(
        "INSERT INTO keyform.objects (id, bytes, sha256) VALUES ($1, $2, $3) "
        "ON CONFLICT (id) DO NOTHING",
        {PgParam::text(id), PgParam::bytes(bytes), PgParam::text(sum)});
    if (r.affected() == 1) return;
    PgResult had = c.exec("SELECT sha256 FROM keyform.objects WHERE id = $1", {PgParam::text(id)});
    if (had.rows() == 1 && had.text(0, 0) != sum)
      throw Error("object " + id +
                  " already exists with different bytes; sealed objects are never replaced");
  });
}

std::string PgObjectStore::get(const std::string& id) const {
  return db_.with([&](PgConnection& c) {
    PgResult r =
        c.exec("SELECT bytes, sha256 FROM keyform.objects WHERE id = $1", {PgParam::text(id)});
    if (r.rows() == 0) throw Error("object " + id + " is not in the postgres object store");
    std::string bytes = r.bytea(0, 0);
    if (sha256_hex(bytes) != r.text(0, 1))
      throw Error("object " + id + " in keyform.objects fails its sha256 check: it was damaged");
    return bytes;
  });
}

bool PgObjectStore::exists(const std::string& id) const {
  return db_.with([&](PgConnection& c) {
    return c.exec("SELECT 1 FROM keyform.objects WHERE id = $1", {PgParam::text(id)}).rows() == 1;
  });
}

void PgObjectStore::remove(const std::string& id) {
  db_.with([&](PgConnection& c) {
    c.exec("DELETE FROM keyform.objects WHERE id = $1", {PgParam::text(id)});
  });
}

std::vector<std::string> PgObjectStore::list() const {
  return db_.with([&](PgConnection& c) {
    PgResult r = c.exec("SELECT id FROM keyform.objects ORDER BY id COLLATE \"C\"");
    std::vector<std::string> ids;
    for (int i = 0; i < r.rows(); ++i) ids.push_back(r.text(i, 0));
    return ids;
  });
}

}  // namespace keyform
