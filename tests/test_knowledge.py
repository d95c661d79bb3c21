"""The knowledge base loads, holds every required topic, and broken files give clear errors."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.advice.entry import CATEGORIES
from bot.advice.knowledge import KnowledgeError, default_dir, load

REQUIRED = {
    "segmen": ["segmen-pelanggan", "segmen-pasar-massal", "segmen-ceruk", "segmen-tersegmentasi",
               "segmen-terdiversifikasi", "segmen-multi-sisi", "kenali-nilai-pelanggan"],
    "hubungan": ["hubungan-pelanggan", "bantuan-pribadi", "bantuan-pribadi-khusus", "swalayan",
                 "layanan-otomatis", "komunitas", "ko-kreasi"],
    "akuisisi": ["akuisisi-pelanggan", "konten-marketing", "email-marketing", "media-sosial", "biaya-akuisisi"],
    "retensi": ["retensi-pelanggan", "sudut-pandang", "memunculkan-ego", "kurangi-rasa-sakit",
                "manfaat-ekstra", "sentuhan-pribadi", "jaga-kualitas", "saluran-komunikasi"],
    "ekspansi": ["ekspansi-penjualan", "cross-selling"],
    "prinsip": ["pelanggan-mitra", "kesepakatan-jelas", "pelanggan-teman", "pantau-media-sosial",
                "over-promise-over-deliver", "beri-kejutan"],
}


def test_every_required_topic_is_in_its_category(kb):
    for category, ids in REQUIRED.items():
        for entry_id in ids:
            assert entry_id in kb.by_id, f"{entry_id} missing"
            assert kb.by_id[entry_id].category == category


def test_enough_entries_beyond_the_required_ones(kb):
    required = {i for ids in REQUIRED.values() for i in ids}
    extra = [e.id for e in kb.entries if e.id not in required]
    assert len(kb.entries) >= 50
    assert len(extra) >= 15


def test_ids_are_unique_and_entries_complete(kb):
    ids = [e.id for e in kb.entries]
    assert len(ids) == len(set(ids))
    for e in kb.entries:
        assert e.category in CATEGORIES
        assert 3 <= len(e.steps) <= 6, e.id
        assert e.title and e.summary and e.examples["lainnya"] and e.keywords and e.sources, e.id


def test_lexicon_keeps_words_that_matter_here(kb):
    for word in ("baru", "lama", "tambah", "kembali", "sendiri", "bersama"):
        assert word not in kb.lexicon.stopwords
    assert kb.lexicon.replacements["gmn"] == "bagaimana"


@pytest.fixture
def broken_copy(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(default_dir(), target)
    return target


def test_a_missing_field_names_file_and_field(broken_copy: Path):
    path = broken_copy / "retensi" / "kartu-stempel.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("summary:", "ringkasan:"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load(broken_copy)
    text = str(err.value)
    assert "kartu-stempel.yaml" in text and "'summary'" in text


def test_a_wrong_fits_value_and_bad_yaml_are_both_reported(broken_copy: Path):
    fits = broken_copy / "hubungan" / "swalayan.yaml"
    fits.write_text(fits.read_text(encoding="utf-8").replace("segmen: [massal]", "segmen: [semua]"),
                    encoding="utf-8")
    (broken_copy / "ekspansi" / "upselling.yaml").write_text("id: upselling\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load(broken_copy)
    problems = err.value.problems
    assert any("swalayan.yaml" in p and "fits.segmen" in p for p in problems)
    assert any("upselling.yaml" in p and "YAML" in p for p in problems)


def test_an_id_that_differs_from_the_file_name_is_refused(broken_copy: Path):
    path = broken_copy / "akuisisi" / "sampel-gratis.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: sampel-gratis", "id: sampel"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load(broken_copy)
    assert "sampel-gratis.yaml" in str(err.value) and "'id'" in str(err.value)


def test_every_tactic_tells_a_story_for_every_sector_and_segment_entries_a_general_one(kb):
    from bot.advice.entry import PER_SECTOR_CATEGORIES, SECTORS
    for e in kb.entries:
        wanted = SECTORS if e.category in PER_SECTOR_CATEGORIES else ("lainnya",)
        assert set(wanted) <= set(e.examples), e.id


def test_no_general_step_names_one_sectors_goods(kb, coach):
    reader = coach.reader
    for e in kb.entries:
        for step in e.steps:
            said = " ".join(reader.tokens(step))
            strong = [p for sector, phrases in reader.business.sectors.items() for p in phrases
                      if p not in reader.business.weak_sector and reader.has(said, p)]
            assert not strong, (e.id, step, strong)


def test_kb_check_names_an_entry_missing_a_sector(broken_copy: Path):
    import os
    import subprocess
    import sys
    path = broken_copy / "retensi" / "jaga-kualitas.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["examples"]["pertanian"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "kb", "check"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COACH_KNOWLEDGE": str(broken_copy)})
    assert done.returncode == 1
    assert "jaga-kualitas.yaml" in done.stderr and "pertanian" in done.stderr


def test_a_value_note_must_say_cocok_or_bentrok(broken_copy: Path):
    path = broken_copy / "retensi" / "manfaat-ekstra.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["values"]["hemat"]["fit"] = "mungkin"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load(broken_copy)
    assert any("manfaat-ekstra.yaml" in p and "values.hemat.fit" in p for p in err.value.problems)
