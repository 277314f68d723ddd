"""Language prompts (issue 21): words that blame a child are pointed out, with other words
and why; a prompt never blocks, and nothing about it is recorded against the author."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from audit.models import Event
from cases import language
from cases.models import Entry, Harm, Phrase, Protective, Screening, Vulnerability
from missing.models import ReturnInterview
from tests.cases.page_helpers import text_of
from tests.cases.test_pages_changes import entry_form
from tests.idempotency.test_forms import token_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("phrases")]

SEED = importlib.import_module("cases.migrations.0007_language_phrases").SEED


def words(found) -> list[str]:
    return [prompt.words for prompt in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She is PUTTING HERSELF   at risk by going out.", ["put* themselves at risk"]),
        ("he puts himself at risk", ["put* themselves at risk"]),
        ("They put themselves at risk.", ["put* themselves at risk"]),
        ("Seen with her ‘boyfriend’ (aged 24).", ["boyfriend"]),
        ("Believed to be prostituting herself.", ["prostitut*"]),
        ("She consented to it.", ["consented"]),
        ("Risk of input to the plan", []),  # "put" inside a word is not the phrase
        ("Her boyfriends", []),  # whole words only
        ("Her boyfriend consented", ["boyfriend", "consented"]),
        ("", []),
    ],
)
def test_phrases_are_found_as_words_whatever_the_case_quotes_and_spaces(text, expected):
    assert sorted(words(language.found_in([text]))) == sorted(expected)


def test_the_first_list_is_in_the_database_with_its_sources():
    assert Phrase.objects.filter(active=True).count() == len(SEED)
    assert all(phrase.source and phrase.why and phrase.instead for phrase in Phrase.objects.all())


def test_an_inactive_phrase_prompts_no_more():
    Phrase.objects.filter(words="boyfriend").update(active=False)
    assert words(language.found_in(["her boyfriend"])) == []


def test_the_hubs_own_labels_pass_the_list():
    """Every choice the Hub offers (a screening's indicators, an assessment's signs, a return
    interview's push and pull factors, every model's choices) reads without a prompt."""
    labels = [str(label) for choices in (Screening.Indicator, Harm, Vulnerability, Protective)
              for label in choices.labels]  # fmt: skip
    labels += [label for _, label in ReturnInterview.PUSH + ReturnInterview.PULL]
    for model in apps.get_models():
        for field in model._meta.get_fields():
            labels += [str(label) for _, label in getattr(field, "choices", None) or []]
    assert [(label, words(language.found_in([label]))) for label in labels
            if language.found_in([label])] == []  # fmt: skip


def test_without_script_the_form_comes_back_once_and_then_saves_unchanged(sign_in, open_case_for):
    case = open_case_for("social.worker", first_name="Prompted")
    client = sign_in("social.worker")
    url = reverse("entry-new", args=[case.pk])
    token = token_of(client.get(url))
    said = "Went to the flat again, putting herself at risk with her boyfriend (31)."
    before = Event.objects.count()
    first = client.post(url, entry_form(once=token, text=said))
    assert first.status_code == 200
    page = first.content.decode()
    assert 'data-testid="language-prompts"' in page and "Nothing is saved yet" in page
    box = page.split('data-testid="language-prompts"')[1].split("</div>")[0]
    assert "“boyfriend”" in box and "“put… themselves at risk”" in box
    assert "“consented”" not in box  # only what was found
    assert said in page  # what was typed is kept
    assert page.count('name="prompt_seen"') == 2
    assert not case.entries.filter(text=said).exists()
    assert Event.objects.count() == before  # the prompt records nothing about its author
    again = client.post(
        url, entry_form(once=token, text=said, prompt_seen=["boyfriend", "put* themselves at risk"])
    )
    assert again.status_code == 302
    assert case.entries.filter(text=said).count() == 1


def test_changed_words_save_first_time_and_a_new_phrase_prompts_again(sign_in, open_case_for):
    case = open_case_for("social.worker", first_name="Changed")
    client = sign_in("social.worker")
    url = reverse("entry-new", args=[case.pk])
    clean = "An adult who is exploiting her collected her from school."
    assert (
        client.post(url, entry_form(once=token_of(client.get(url)), text=clean)).status_code == 302
    )
    token = token_of(client.get(url))
    seen_one = client.post(
        url, entry_form(once=token, text="Her boyfriend said she consented.",
                        prompt_seen=["boyfriend"]),
    )  # fmt: skip
    assert seen_one.status_code == 200 and "“consented”" in text_of(seen_one)
    assert not Entry.objects.filter(text__contains="consented").exists()


def test_an_assessment_is_prompted_but_not_the_childs_own_words(sign_in, open_case_for):
    from tests.cases.test_assessments import form

    case = open_case_for("social.worker", first_name="Words")
    client = sign_in("social.worker")
    url = reverse("assessment-new", args=[case.pk])
    token = token_of(client.get(url))
    own_words = form(once=token, child_view="He is my boyfriend and I consented.")
    assert client.post(url, own_words).status_code == 302  # the child's words: no prompt
    token = token_of(client.get(url))
    prompted = client.post(url, form(once=token, analysis="She is sexually active with adults."))
    assert prompted.status_code == 200 and "“sexually active”" in text_of(prompted)
    assert case.assessments.count() == 1


def test_the_api_lists_the_phrases_for_anyone_signed_in(sign_in):
    body = sign_in("health.nurse").get(reverse("api-language-phrases")).json()
    assert {row["words"] for row in body["results"]} == {row[0] for row in SEED}
    assert set(body["results"][0]) == {"id", "words", "instead", "why", "source"}
