from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    published_at = models.DateTimeField()

    class Meta:
        # BR007: every list of posts sorts the table by an unindexed column
        ordering = ["-published_at"]


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        # near-miss: unique=True gives `name` an index
        ordering = ["name"]
