import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from exchange.asgi import ExchangeFront  # noqa: E402  (after Django is set up)

# exchange messages: refused over the size limit before anything spools them, served without Django's
# request handling (exchange/asgi.py)
application = ExchangeFront(application)  # type: ignore[assignment]

from core.runtime import warm_up_and_freeze  # noqa: E402  (after Django is set up)

warm_up_and_freeze()

if os.environ.get("DIEUHANH_INPROCESS_JOBS") == "1":  # embedded mode (make run): no cron needed
    from core import worker
    from exchange import dispatch
    from intake import mailbox
    from notifications import scheduler

    scheduler.start()
    worker.start()
    dispatch.start()  # exchange deliveries, woken the moment a message is queued
    mailbox.start_polling()  # only when INTAKE_MAIL_HOST is set
