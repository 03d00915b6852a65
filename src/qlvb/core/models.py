from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Holiday(models.Model):
    """Ngày nghỉ lễ, Tết and compensatory days off: data an administrator enters each year
    (Tết follows the lunar calendar and swaps are announced yearly). Working days are Monday to
    Friday minus these; a `working_day=True` row marks a Saturday worked in compensation."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=200)
    working_day = models.BooleanField(default=False)

    class Meta:
        ordering = ["date"]
        verbose_name = "ngày nghỉ"

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
