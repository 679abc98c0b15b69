# Fake credentials for tokenhound's tests; none of them is real.
import os

FAKE_GITHUB_TOKEN = "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"
SLACK = os.environ.get("SLACK_BOT_TOKEN", "xoxb-844729405576-1698716897684-2AK7EGHZbKoXi0d9TH4QgTNB")
