# fake
export GH=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  # gitleaks-ok-line
