from digest import store
def test_smoke(bot_db, seeded_db_file):
    import sqlite3
    print(sqlite3.connect(seeded_db_file).execute("select count(*) from articles").fetchone())
    print(store.article_count(bot_db))
