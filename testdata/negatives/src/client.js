const crypto = require('crypto');
const token = process.env.GITHUB_TOKEN;
const apiKey = process.env.OPENAI_API_KEY || '';
const password = getPassword();
const headers = { Authorization: `Bearer ${token}`, 'x-api-key': apiKey };
const config = {
  password: process.env.DB_PASSWORD,
  secret: process.env.SESSION_SECRET,
  cookieName: 'connect.sid',
  sessionKey: 'session',
};
const id = crypto.randomUUID(); // e.g. 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed
const etag = 'W/"5e15153d-120f"';
const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
fetch(`https://api.example.test/items?access_token=${token}`);
document.cookie = `session=${sessionValue}; path=/`;
module.exports = { headers, config, id, etag, sha1 };
