import pytest

from collect.testing import make_source


@pytest.fixture
def source_and_key(db):
    return make_source()


@pytest.fixture
def source(source_and_key):
    return source_and_key[0]


@pytest.fixture
def key(source_and_key):
    return source_and_key[1]


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """`post(key, events, path=...)`: a collect request whose after-commit task runs eagerly
    when it returns, as it does outside a test transaction with no broker."""
    from collect.testing import post_batch

    def send(key, events, path="/collect/v1/batch", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return post_batch(client, key, events, path=path, **extra)

    return send
