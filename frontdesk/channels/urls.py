from django.urls import path

from frontdesk.channels import views

app_name = "hooks"

urlpatterns = [
    path("<str:kind>/<str:webhook_token>", views.receive, name="receive"),
]
