from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("v1/messages", views.messages, name="messages"),
    path("v1/health", views.health, name="health"),
    path("v1/directory", views.directory, name="directory"),
]
