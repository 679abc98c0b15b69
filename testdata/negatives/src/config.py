import hashlib
import os
import uuid

from django.conf import settings

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASE_PASSWORD = os.environ.get("DATABASE_PASSWORD", "")
API_TOKEN = settings.API_TOKEN
CLIENT_SECRET = settings.GITHUB_API_SECRET
ACCESS_TOKEN_URL = ASANA_TOKEN_EXCHANGE_URL
password_field = "password"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
REQUEST_ID = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
cache_key = "user_profile_settings_v2"
sort_key = "created_at.desc.nulls_last"


def login(user, password):
    token = get_token(user)
    headers = {"Authorization": "Bearer " + token}
    digest = hashlib.sha256(password.encode()).hexdigest()
    return headers, digest


def connect(password=None, secret=None):
    password = password or os.getenv("PGPASSWORD")
    secret_key = secret or settings.SECRET_KEY
    return password, secret_key

# A test fixture the team accepted on purpose (inline allow pragma):
TEST_FIXTURE_TOKEN = "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"  # pragma: allowlist secret
