# fake Django settings for a tokenhound test
SECRET_KEY = '8udbaZUbPIBWc32xdF24k6sGqkcUsvy9MrtNBk1QmQlSkq6OsV'
DATABASES = {'default': {'PASSWORD': 'Fake-Pw-w1a77z7AJlJE'}}
