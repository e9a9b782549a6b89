# Auth Loopback: an optional HTTP connector, named "loopback-admin", on which an operator's
# Prometheus reaches loopback.war's admin views (metrics, stats, health). webapps/loopback.xml lists
# "@loopback-admin" among its virtual hosts; the WAR answers token calls only on the loopback
# connector's port (loopback.token-port), so on this connector they get 404.

[description]
Adds the connector "loopback-admin" for loopback.war's admin views (Prometheus scrapes), on an
address of the operator's choosing; the token API stays on the loopback-only connector.

[tags]
connector
auth-loopback

[depend]
loopback-connector

[xml]
etc/loopback-admin-connector.xml

[ini-template]
## Address the admin views listen on: the interface Prometheus reaches (0.0.0.0 = all).
## Guard them with loopback.admin-allow-from (Prometheus' addresses) and loopback.admin-secret.
# jetty.loopback.admin.host=0.0.0.0

## Port of the admin connector; Prometheus scrapes http://<host>:<port>/loopback/admin/metrics
# jetty.loopback.admin.port=8083
