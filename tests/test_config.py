"""jcp.toml's [compare], [app], [digest] and [load] settings: defaults, clear errors."""

from __future__ import annotations

import pytest

from jcp.config import ConfigError, load_settings


def write(tmp_path, text: str):
    """A jcp.toml holding `text`."""
    path = tmp_path / "jcp.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_the_sections_are_absent(tmp_path):
    settings = load_settings(write(tmp_path, "[audit]\nlog = 'x.jsonl'\n"))
    assert (settings.overdispersion, settings.case_mix) == (True, True)
    assert settings.app_url is None
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "localhost",
        25,
        False,
    )
    assert settings.digest_sender is None
    assert settings.contact is None
    assert (settings.load_memory_limit, settings.load_temp_directory) == (None, None)


def test_values_are_read(tmp_path):
    settings = load_settings(
        write(
            tmp_path,
            "[compare]\noverdispersion = false\ncase_mix = false\n"
            "[app]\nurl = 'https://jcp.example.gov.uk/'\n"
            "[digest]\nhost = 'mail.example'\nport = 587\nstarttls = true\n"
            "sender = 'jcp@example.gov.uk'\n",
        )
    )
    assert (settings.overdispersion, settings.case_mix) == (False, False)
    assert settings.app_url == "https://jcp.example.gov.uk"  # the trailing slash is dropped
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.example",
        587,
        True,
    )
    assert settings.digest_sender == "jcp@example.gov.uk"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[compare]\noverdispersion = 'yes'\n", "[compare] overdispersion must be true or false"),
        ("[compare]\ncase_mix = 1\n", "[compare] case_mix must be true or false"),
        ("[app]\nurl = 'javascript:alert(1)'\n", "[app] url must be an http:// or https://"),
        ("[app]\nurl = 'http://a b'\n", "[app] url must be an http:// or https://"),
        ("[digest]\nport = 0\n", "[digest] port must be a whole number from 1 to 65535"),
        ("[digest]\nport = '25'\n", "[digest] port must be a whole number from 1 to 65535"),
        ("[digest]\nstarttls = 'no'\n", "[digest] starttls must be true or false"),
        ("[digest]\nsender = 'nobody'\n", "[digest] sender must be an e-mail address"),
        ("[digest]\nhost = ''\n", "[digest] host must be a host name"),
        ("[digest]\npassword = 'hunter2'\n", "$JCP_SMTP_PASSWORD in the environment"),
        ("[app]\ncontact = 42\n", "[app] contact must be one line of text"),
        ("[app]\ncontact = '  '\n", "[app] contact must be one line of text"),
        # A line break would put the rest on a line of its own in the cover sheet.
        ('[app]\ncontact = "team\\nx@example.gov.uk"\n', "[app] contact must be one"),
        (f"[app]\ncontact = '{'x' * 201}'\n", "of up to 200 characters"),
        ("[load]\nmemory_limit = 'lots'\n", "[load] memory_limit must be an amount of memory"),
        ("[load]\nmemory_limit = 12\n", "[load] memory_limit must be an amount of memory"),
        ("[load]\nmemory_limit = '12 GB; drop'\n", "[load] memory_limit must be an amount"),
        ("[load]\ntemp_directory = ''\n", "[load] temp_directory must be a folder path"),
    ],
)
def test_a_bad_value_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text))
    assert message in str(raised.value)
    assert "hunter2" not in str(raised.value)  # a password is never quoted back


def test_the_contact_line_is_read(tmp_path):
    settings = load_settings(write(tmp_path, "[app]\ncontact = ' Team: t@example.gov.uk '\n"))
    assert settings.contact == "Team: t@example.gov.uk"  # spaces around it dropped


def test_the_load_settings_are_read(tmp_path):
    settings = load_settings(
        write(tmp_path, "[load]\nmemory_limit = ' 12GB '\ntemp_directory = '/spill/jcp'\n")
    )
    assert settings.load_memory_limit == "12GB"
    assert str(settings.load_temp_directory) == "/spill/jcp"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        # Nothing on the command line: the file's settings.
        ([], ("300MB", "from-config")),
        # The command line wins over the file.
        (["--memory-limit", "400MB", "--temp-dir", "{tmp}/from-flag"], ("400MB", "from-flag")),
    ],
)
def test_the_load_command_takes_its_memory_limit_from_the_settings(
    tmp_path, monkeypatch, flags, expected
):
    import jcp.cli

    config = write(
        tmp_path, f"[load]\nmemory_limit = '300MB'\ntemp_directory = '{tmp_path}/from-config'\n"
    )
    monkeypatch.setenv("JCP_CONFIG", str(config))
    calls = []

    class Report:
        total_rejected = 0

        def summary(self) -> str:
            return "loaded"

    def recording_load(extract_dir, db, memory_limit, temp_directory):
        calls.append((memory_limit, temp_directory))
        return Report()

    monkeypatch.setattr(jcp.cli, "load", recording_load)
    argv = ["load", str(tmp_path / "extract"), "--db", str(tmp_path / "x.duckdb")]
    argv += [flag.format(tmp=tmp_path) for flag in flags]
    assert jcp.cli.main(argv) == 0
    [(memory_limit, temp_directory)] = calls
    assert (memory_limit, temp_directory.name) == expected


def test_a_bad_load_setting_stops_the_load_command_in_one_line(tmp_path, monkeypatch, capsys):
    import jcp.cli

    monkeypatch.setenv("JCP_CONFIG", str(write(tmp_path, "[load]\nmemory_limit = 'lots'\n")))
    argv = ["load", str(tmp_path / "extract"), "--db", str(tmp_path / "x.duckdb")]
    assert jcp.cli.main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "[load] memory_limit must be an amount" in error
    assert not (tmp_path / "x.duckdb").exists()
