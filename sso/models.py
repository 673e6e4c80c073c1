from django.db import models


class SeenAssertion(models.Model):
    """A SAML assertion id already used to log in: a second use is a replay (sso/saml.py)."""

    assertion_id = models.CharField(max_length=256, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "brugt SAML-assertion"
        verbose_name_plural = "brugte SAML-assertions"

    def __str__(self):
        return self.assertion_id
