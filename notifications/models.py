from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=30, default="info")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"

    def __str__(self) -> str:
        return self.text


class ReminderLog(models.Model):
    """One reminder per assignment, kind and day: reminders are idempotent."""

    assignment_id = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment_id", "kind", "day"], name="uniq_reminder")]

    def __str__(self) -> str:
        return f"{self.kind} {self.assignment_id} {self.day}"
