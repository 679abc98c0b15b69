curl -H 'Authorization: Bearer ghs_9DoCKGRwOXwu7MLMUiq1oAFT0nTbD13qk5TL' https://api.github.com/installation/repositories
curl -b 'PHPSESSID=7z8tg9i3gt95swqrjk6abmej9x' https://shop.example.test/account
curl --cookie "remember_user_token=SrHpKBcVG-cFSp6uDS5sLkY4QPH6ZK-hwuVPeG5rhwT" https://app.example.test/me
git clone https://oauth2:cOT2o7Z6jrjOVKHcUpHDdg29kwZ9J7Xy@git.example.test/acme/fake.git
curl -X POST -F token=glptt-44aebfb04582ef6460c7740fe9ef49bb4f26ac12 https://gitlab.example.test/api/v4/projects/1/trigger/pipeline
